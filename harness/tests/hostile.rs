//! Hostile targets: `cognate run` against a server that answers every ForgotPassword request
//! badly, in one of [`Mode`]'s ways, and passes everything else (provisioning, the routing
//! cases) through to a reference (`common/hostile.rs`). Whatever the target does, the run must
//! end by itself within its `--deadline`, judge every case it planned as `error` or `fail` with
//! a reason that names what went wrong, and stay under 100 MB of peak RSS. Besides the modes:
//! `--deadline` stopping a run that would hang for minutes, and `--max-response-bytes` applied
//! below its default.
//!
//! Each run prints `hostile <mode>: <n> verdicts in <s> s, peak RSS <MB> MB` (shown with
//! `--nocapture`). The peak RSS is the `cognate run` child's own, from `wait4(2)`.
// wait4(2) and ru_maxrss in KiB are Linux's.
#![cfg(target_os = "linux")]

mod common;
#[path = "common/hostile.rs"]
mod hostile;

use std::collections::HashSet;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Served;
use hostile::{Hostile, Mode};
use regex::Regex;
use serde::Deserialize;

const BIN: &str = env!("CARGO_BIN_EXE_cognate");
const OPERATION: &str = "ForgotPassword";
/// A hostile run's flags: at 200 ms a request over 16 lanes, the ~1,100 cases are judged in
/// about 14 s even when every one of them hangs, far inside the deadline. (Each lane may hold
/// an answer of up to --max-response-bytes, 1 MiB, while it reads: 16 lanes keep that well
/// inside the 100 MB.)
const HOSTILE_FLAGS: [&str; 6] = [
    "--timeout-ms",
    "200",
    "--concurrency",
    "16",
    "--deadline",
    "60s",
];
/// `--deadline` in [`HOSTILE_FLAGS`].
const DEADLINE: Duration = Duration::from_secs(60);
/// How long past its deadline a run may take to end (reports, clean-up).
const WALL_SLACK: Duration = Duration::from_secs(10);
/// A run still going this long past the time it is allowed is killed: a hang fails its test
/// rather than stalling the suite.
const KILL_AFTER: Duration = Duration::from_secs(30);
/// 100 MB, in the KiB `ru_maxrss` counts.
const MAX_PEAK_RSS_KB: u64 = 100 * 1024;
/// The cap of `a_small_cap_is_applied_to_every_answer`: far below the default (1 MiB), yet
/// above every answer the reference gives the run's provisioning, which the cap applies to as
/// well (its CreateUserPool answer alone is about 4 KB: a cap of 512 bytes would stop the run
/// before its first case).
const SMALL_CAP: usize = 64 * 1024;

/// What of report.json these tests read (the rest is skipped, not kept: the test process's
/// own peak RSS is inherited by the children it starts next).
#[derive(Debug, Deserialize)]
struct Report {
    run: RunPart,
    /// Why the run stopped early; absent for a complete run.
    #[serde(default)]
    incomplete: Option<String>,
    verdicts: Vec<VerdictPart>,
}

#[derive(Debug, Deserialize)]
struct RunPart {
    /// The cases the run planned.
    cases: usize,
}

#[derive(Debug, Deserialize)]
struct VerdictPart {
    operation: String,
    group: String,
    label: String,
    status: String,
    reason: Option<String>,
    checks: Vec<CheckPart>,
}

#[derive(Debug, Deserialize)]
struct CheckPart {
    check: String,
    result: String,
    reason: Option<String>,
}

impl VerdictPart {
    /// Whether the case's request names the operation's real `X-Amz-Target`. The routing cases
    /// (no target, another operation, the name in lower case) mostly go to the reference behind
    /// the hostile server, and may pass.
    fn names_the_operation(&self) -> bool {
        !matches!(self.group.as_str(), "missing_target" | "unknown_operation")
    }

    /// Whether the verdict names what went wrong: its reason, or a failing check's. The reason
    /// names the first failing check only, and an answer can break several rules at once: a
    /// gzipped 400 fails `exception` (no identity can be read) before `envelope` says gzip.
    fn says(&self, pattern: &Regex) -> bool {
        let failing = self
            .checks
            .iter()
            .filter(|c| c.result == "fail")
            .filter_map(|c| c.reason.as_deref());
        self.reason
            .as_deref()
            .into_iter()
            .chain(failing)
            .any(|r| pattern.is_match(r))
    }
}

impl std::fmt::Display for VerdictPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} [{}]: {}",
            self.label,
            self.status,
            self.reason.as_deref().unwrap_or("(no reason)")
        )?;
        for c in self.checks.iter().filter(|c| c.result == "fail") {
            write!(
                f,
                "\n    {} failed: {}",
                c.check,
                c.reason.as_deref().unwrap_or("")
            )?;
        }
        Ok(())
    }
}

/// A `cognate` command working in `dir`, with none of the machine's settings: no cognate.toml
/// of the caller's directory, no AWS credentials or instance metadata, no CI snapshot rules.
fn cognate(dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars_os() {
        if let Some(k) = k.to_str() {
            if k.starts_with("AWS_") || k.starts_with("COGNATE_") || k == "CI" {
                c.env_remove(k);
            }
        }
    }
    c.current_dir(dir)
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    c
}

/// `cognate serve` on a free port, in `dir`'s environment: the upstream behind a hostile
/// server.
fn upstream(dir: &Path) -> Served {
    let mut c = cognate(dir);
    c.args(["serve", "--port", "0"]).stdin(Stdio::null());
    Served::start(c)
}

/// How a child ended, as `wait4(2)` says.
struct Waited {
    /// The exit code; `None` when a signal ended it.
    code: Option<i32>,
    signal: Option<i32>,
    /// Whether it outlived its limit and was killed.
    killed: bool,
    peak_rss_kb: u64,
}

/// Reaps `pid` with `wait4(2)`, which hands over the child's own resource usage (its peak RSS,
/// without this process's or the server's). Polled, so that a child still running after
/// `limit` can be killed instead of waited for without end.
fn reap(pid: libc::pid_t, limit: Duration) -> Waited {
    let started = Instant::now();
    let mut killed = false;
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: `rusage` is plain old data, valid when zeroed; the pointers outlive the call.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let flags = if killed { 0 } else { libc::WNOHANG };
        let got = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
        if got == pid {
            return Waited {
                code: libc::WIFEXITED(status).then_some(libc::WEXITSTATUS(status)),
                signal: libc::WIFSIGNALED(status).then_some(libc::WTERMSIG(status)),
                killed,
                // KiB on Linux.
                peak_rss_kb: u64::try_from(usage.ru_maxrss).unwrap_or(0),
            };
        }
        if got < 0 {
            let e = std::io::Error::last_os_error();
            assert_eq!(e.kind(), std::io::ErrorKind::Interrupted, "wait4: {e}");
            continue;
        }
        if !killed && started.elapsed() > limit {
            // SAFETY: a plain syscall; `pid` is a child not reaped yet, so not another process.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            killed = true;
        } else {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// How a `cognate run` against a hostile server went.
struct Ran {
    mode: Mode,
    waited: Waited,
    wall: Duration,
    stdout: String,
    stderr: String,
    /// Victim requests the hostile server read, and other requests it passed through.
    victims: usize,
    forwarded: usize,
    dir: tempfile::TempDir,
}

impl Ran {
    fn reports(&self) -> PathBuf {
        self.dir.path().join("reports")
    }

    /// report.json, or a panic that shows what the run said.
    fn report(&self) -> Report {
        let path = self.reports().join("report.json");
        let file = File::open(&path)
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", path.display(), self.output()));
        serde_json::from_reader(BufReader::new(file))
            .unwrap_or_else(|e| panic!("report.json does not parse: {e}\n{}", self.output()))
    }

    /// For an assertion message: how it ended and what it printed.
    fn output(&self) -> String {
        format!(
            "mode {}: exit code {:?}, signal {:?}, {:.1} s\nstdout:\n{}\nstderr:\n{}",
            self.mode.name(),
            self.waited.code,
            self.waited.signal,
            self.wall.as_secs_f64(),
            self.stdout,
            self.stderr
        )
    }

    /// The figures line, printed before anything is asserted so that a failing run shows it.
    fn print_figures(&self, verdicts: usize) {
        eprintln!(
            "hostile {}: {verdicts} verdicts in {:.1} s, peak RSS {:.1} MB",
            self.mode.name(),
            self.wall.as_secs_f64(),
            self.waited.peak_rss_kb as f64 / 1024.0
        );
    }

    /// The run ended by itself within `within`, with one of `codes`, and nothing panicked.
    fn assert_ended(&self, codes: &[i32], within: Duration) {
        assert!(
            !self.waited.killed,
            "still running {KILL_AFTER:?} past its time, killed\n{}",
            self.output()
        );
        let code = self
            .waited
            .code
            .unwrap_or_else(|| panic!("ended by a signal\n{}", self.output()));
        assert!(
            codes.contains(&code),
            "exit code {code}, expected one of {codes:?}\n{}",
            self.output()
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.output());
        assert!(
            self.wall < within,
            "{:.1} s, more than {within:?}\n{}",
            self.wall.as_secs_f64(),
            self.output()
        );
    }
}

/// Runs `cognate run` on ForgotPassword against a fresh hostile server in `mode` (its HTML page
/// at least `page_len` bytes) in front of a fresh reference, with `flags` after the common ones;
/// the child is killed when it runs longer than `limit`.
async fn run(mode: Mode, page_len: usize, flags: &[&str], limit: Duration) -> Ran {
    run_signalled(mode, page_len, flags, limit, &[]).await
}

/// [`run`], sending the child each of `signals` when its time since the start has come.
// The child is reaped by `reap` (wait4), which clippy cannot see.
#[allow(clippy::zombie_processes)]
async fn run_signalled(
    mode: Mode,
    page_len: usize,
    flags: &[&str],
    limit: Duration,
    signals: &[(Duration, libc::c_int)],
) -> Ran {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let upstream = upstream(dir.path());
    let hostile = Hostile::start_with_page(mode, &upstream.url, page_len).await;
    let url = hostile.url();
    let stdout = dir.path().join("run.stdout");
    let stderr = dir.path().join("run.stderr");
    let mut c = cognate(dir.path());
    c.args(["run", "--quiet", "--target", &url, "--operation", OPERATION])
        .args(["--cases", "1000", "--no-scenarios", "--sequences", "0"])
        .arg("--report-dir")
        .arg(dir.path().join("reports"))
        .args(flags)
        .stdin(Stdio::null())
        // Files, not pipes: nothing reads them while the run goes.
        .stdout(File::create(&stdout).expect("a stdout file"))
        .stderr(File::create(&stderr).expect("a stderr file"));
    let started = Instant::now();
    let child = c.spawn().expect("cognate run starts");
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    for &(at, signal) in signals {
        std::thread::spawn(move || {
            std::thread::sleep(at.saturating_sub(started.elapsed()));
            // SAFETY: a plain signal to our own child, not yet reaped (the reaper waits for it).
            unsafe {
                libc::kill(pid, signal);
            }
        });
    }
    // `reap` reaps the child: `child` is never waited on. The hostile server keeps serving on
    // this runtime's workers meanwhile.
    let waited = tokio::task::spawn_blocking(move || reap(pid, limit))
        .await
        .expect("the waiting thread");
    let wall = started.elapsed();
    drop(child);
    let (victims, forwarded) = (hostile.victims(), hostile.forwarded());
    // The hostile server first: its connections end before the reference behind it stops.
    drop(hostile);
    drop(upstream);
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    Ran {
        mode,
        waited,
        wall,
        stdout: read(stdout.as_path()),
        stderr: read(stderr.as_path()),
        victims,
        forwarded,
        dir,
    }
}

/// What a mode's victim verdicts must be: the statuses allowed, and a regex each verdict's
/// reason (or a failing check's) matches. No answer, or half of one, is an `error`; a whole
/// answer, however wrong, is judged: a `fail`.
fn expected(mode: Mode) -> (&'static [&'static str], &'static str) {
    const ERROR: &[&str] = &["error"];
    const FAIL: &[&str] = &["fail"];
    match mode {
        Mode::Silent | Mode::HeadersThenSilence | Mode::Drip | Mode::ContinueThenNothing => {
            (ERROR, r"no response within 200 ms")
        }
        Mode::EndlessChunked => (
            ERROR,
            r"larger than --max-response-bytes \(1048576 bytes\): more than 1048576 bytes came",
        ),
        // Refused on its Content-Length, before a byte of the body is read.
        Mode::HugeLength => (
            ERROR,
            r"larger than --max-response-bytes \(1048576 bytes\): Content-Length 10000000000",
        ),
        Mode::ResetAfterHeaders => (ERROR, r"(?i)reset|connection"),
        Mode::NotHttp => (ERROR, r"invalid HTTP"),
        Mode::WrongLength => (ERROR, r"(?i)end of file|message length"),
        Mode::Gzip => (FAIL, r"gzip"),
        Mode::InvalidUtf8 => (FAIL, r"(?i)not JSON|UTF-8|unicode"),
        Mode::RedirectLoop => (FAIL, r"\b307\b"),
        Mode::Html200 => (FAIL, r"text/html|not JSON"),
    }
}

/// Up to three verdicts, one a line, for an assertion message.
fn examples(verdicts: &[&VerdictPart]) -> String {
    verdicts
        .iter()
        .take(3)
        .map(|v| format!("  {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What every hostile run must show: it ended by itself in time, judged every planned case,
/// each case naming ForgotPassword as one of `statuses` and saying what `reason` matches, and
/// stayed small.
fn assert_judged(ran: &Ran, statuses: &[&str], reason: &Regex) {
    let report = ran.report();
    ran.print_figures(report.verdicts.len());
    ran.assert_ended(&[3, 4], DEADLINE + WALL_SLACK);
    assert!(
        report.incomplete.is_none(),
        "the run stopped early: {:?}\n{}",
        report.incomplete,
        ran.output()
    );
    let of_operation: Vec<&VerdictPart> = report
        .verdicts
        .iter()
        .filter(|v| v.operation == OPERATION)
        .collect();
    assert!(
        of_operation.len() >= 1000,
        "{} {OPERATION} verdicts\n{}",
        of_operation.len(),
        ran.output()
    );
    let named: Vec<&VerdictPart> = of_operation
        .into_iter()
        .filter(|v| v.names_the_operation())
        .collect();
    // The 1,000 property cases alone name it.
    assert!(
        named.len() >= 1000,
        "{} cases name {OPERATION}",
        named.len()
    );

    let wrong_status: Vec<&VerdictPart> = named
        .iter()
        .copied()
        .filter(|v| !statuses.contains(&v.status.as_str()))
        .collect();
    assert!(
        wrong_status.is_empty(),
        "{} of {} verdicts are not {statuses:?}, such as:\n{}",
        wrong_status.len(),
        named.len(),
        examples(&wrong_status)
    );
    let wrong_reason: Vec<&VerdictPart> =
        named.iter().copied().filter(|v| !v.says(reason)).collect();
    assert!(
        wrong_reason.is_empty(),
        "{} of {} reasons do not match /{reason}/, such as:\n{}",
        wrong_reason.len(),
        named.len(),
        examples(&wrong_reason)
    );

    // The verdicts come from the misbehaviour itself: every judged case reached the hostile
    // server (plus the probe), and the provisioning went through it to the reference.
    assert!(
        ran.victims >= named.len(),
        "{} victim requests for {} verdicts",
        ran.victims,
        named.len()
    );
    assert!(
        ran.forwarded > 0,
        "nothing was passed through to the reference"
    );
    assert!(
        ran.waited.peak_rss_kb < MAX_PEAK_RSS_KB,
        "peak RSS {} KiB\n{}",
        ran.waited.peak_rss_kb,
        ran.output()
    );
}

async fn every_case_is_judged(mode: Mode) {
    let ran = run(mode, 0, &HOSTILE_FLAGS, DEADLINE + KILL_AFTER).await;
    let (statuses, reason) = expected(mode);
    let reason = Regex::new(reason).expect("a valid pattern");
    assert_judged(&ran, statuses, &reason);
}

/// One test per mode, named after it (`cargo test --test hostile drip`).
macro_rules! mode_tests {
    ($($name:ident => $mode:expr),* $(,)?) => {
        /// The modes with a test, by the test's name.
        const TESTED: &[(&str, Mode)] = &[$((stringify!($name), $mode)),*];
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                every_case_is_judged($mode).await;
            }
        )*
    };
}

mode_tests! {
    silent => Mode::Silent,
    headers_then_silence => Mode::HeadersThenSilence,
    drip => Mode::Drip,
    endless_chunked => Mode::EndlessChunked,
    huge_length => Mode::HugeLength,
    reset_after_headers => Mode::ResetAfterHeaders,
    not_http => Mode::NotHttp,
    wrong_length => Mode::WrongLength,
    gzip => Mode::Gzip,
    invalid_utf8 => Mode::InvalidUtf8,
    continue_then_nothing => Mode::ContinueThenNothing,
    redirect_loop => Mode::RedirectLoop,
    html_200 => Mode::Html200,
}

#[test]
fn every_mode_has_a_test_of_its_name_and_a_valid_pattern() {
    for mode in Mode::ALL {
        let tested = TESTED.iter().find(|(_, m)| *m == mode);
        assert_eq!(tested.map(|(name, _)| *name), Some(mode.name()), "{mode:?}");
        Regex::new(expected(mode).1).unwrap_or_else(|e| panic!("{mode:?}: {e}"));
    }
    let names: HashSet<&str> = Mode::ALL.iter().map(|m| m.name()).collect();
    assert_eq!(names.len(), Mode::ALL.len(), "mode names are distinct");
    assert_eq!(TESTED.len(), Mode::ALL.len(), "one test per mode");
}

#[test]
fn the_fixed_bodies_are_what_the_modes_promise() {
    // The CRC-32 check value of the standard.
    assert_eq!(hostile::crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(hostile::crc32(b""), 0);

    let data = hostile::GZIP_ERROR;
    let gz = hostile::gzip_stored(data);
    assert_eq!(
        gz[..4],
        [0x1f_u8, 0x8b, 0x08, 0x00],
        "gzip magic, deflate, no flags"
    );
    assert_eq!(gz[10], 0x01, "one final stored block");
    let len = u16::from_le_bytes([gz[11], gz[12]]);
    let nlen = u16::from_le_bytes([gz[13], gz[14]]);
    assert_eq!(usize::from(len), data.len());
    assert_eq!(nlen, !len);
    assert_eq!(&gz[15..15 + data.len()], data);
    let trailer = &gz[15 + data.len()..];
    assert_eq!(trailer.len(), 8);
    assert_eq!(trailer[..4], hostile::crc32(data).to_le_bytes());
    assert_eq!(trailer[4..], (data.len() as u32).to_le_bytes());

    assert_eq!(
        hostile::SHORT_ERROR.len(),
        60,
        "60 of the 500 bytes announced"
    );
    assert!(serde_json::from_slice::<serde_json::Value>(hostile::SHORT_ERROR).is_ok());
    // Not JSON to a parser that insists on UTF-8, as serde_json does.
    assert!(serde_json::from_slice::<serde_json::Value>(hostile::INVALID_UTF8_ERROR).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_passes_other_operations_through_and_keeps_the_victim() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let upstream = upstream(dir.path());
    let hostile = Hostile::start(Mode::RedirectLoop, &upstream.url).await;
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let post = |base: &str, op: &str| {
        client
            .post(format!("{base}/"))
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "x-amz-target",
                format!("AWSCognitoIdentityProviderService.{op}"),
            )
            .body("{}")
            .send()
    };
    let hostile_url = hostile.url();
    let direct = post(upstream.url.as_str(), "ListUserPools")
        .await
        .expect("an answer");
    let passed = post(hostile_url.as_str(), "ListUserPools")
        .await
        .expect("an answer");
    assert_eq!(passed.status(), direct.status());
    for h in ["content-type", "x-amzn-errortype"] {
        assert_eq!(passed.headers().get(h), direct.headers().get(h), "{h}");
    }
    let kept = post(hostile_url.as_str(), OPERATION)
        .await
        .expect("an answer");
    assert_eq!(kept.status(), 307);
    assert_eq!(
        kept.headers().get("location").map(|v| v.as_bytes()),
        Some(&b"/"[..])
    );
    assert_eq!((hostile.victims(), hostile.forwarded()), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_stops_a_run_that_hangs() {
    // ~1,100 silent cases over 4 lanes at 5 s each: over 20 minutes without the deadline.
    let flags = [
        "--timeout-ms",
        "5000",
        "--concurrency",
        "4",
        "--deadline",
        "2s",
    ];
    let ran = run(Mode::Silent, 0, &flags, Duration::from_secs(60)).await;
    let report = ran.report();
    ran.print_figures(report.verdicts.len());
    // The deadline, 2 s of grace for the requests out, 5 s for start-up and the reports.
    ran.assert_ended(&[3], Duration::from_secs(2 + 2 + 5));
    let why = report
        .incomplete
        .as_deref()
        .unwrap_or_else(|| panic!("report.json has no \"incomplete\"\n{}", ran.output()));
    assert!(why.contains("deadline"), "incomplete: {why}");
    assert!(
        report.verdicts.len() < report.run.cases,
        "{} verdicts of {} planned",
        report.verdicts.len(),
        report.run.cases
    );
    let md = std::fs::read_to_string(ran.reports().join("report.md")).expect("report.md");
    assert!(md.to_lowercase().contains("incomplete"), "{md}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_quits_at_once() {
    // Requests that hang for 10 s: after the first SIGINT the run would wait out its 2 s of
    // grace; the second ends it there and then, without reports.
    let flags = ["--timeout-ms", "10000", "--concurrency", "4"];
    let first = Duration::from_millis(1500);
    let second = first + Duration::from_millis(500);
    let ran = run_signalled(
        Mode::Silent,
        0,
        &flags,
        Duration::from_secs(60),
        &[(first, libc::SIGINT), (second, libc::SIGINT)],
    )
    .await;
    ran.assert_ended(&[130], second + Duration::from_millis(1000));
    assert!(ran.stderr.contains("SIGINT: stopping"), "{}", ran.output());
    assert!(ran.stderr.contains("quitting at once"), "{}", ran.output());
    assert!(!ran.reports().join("report.json").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_cap_is_applied_to_every_answer() {
    let cap = SMALL_CAP.to_string();
    let flags = [
        &HOSTILE_FLAGS[..],
        &["--max-response-bytes", cap.as_str()][..],
    ]
    .concat();
    // A page twice the cap: refused on its Content-Length.
    let ran = run(Mode::Html200, 2 * SMALL_CAP, &flags, DEADLINE + KILL_AFTER).await;
    let reason = Regex::new(&regex::escape(&format!(
        "larger than --max-response-bytes ({SMALL_CAP} bytes)"
    )))
    .expect("a valid pattern");
    assert_judged(&ran, &["error"], &reason);
}
