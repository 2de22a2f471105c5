//! `cognate run --snapshot`, report.md and `cognate conformance` through the real binary: byte
//! for byte the same snapshots on a second run, drift exits 5 and names the case, `--update`
//! restores, known failures exit 0, unreadable snapshots exit 3, and no secret or dynamic value
//! a target sends reaches a snapshot.

use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

mod common;
use common::{code, cognate, mount_provisioning, text};

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    // A directory that was never created holds no files.
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn run_snapshot(snap: &Path, reports: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        "--quiet",
        "--cases",
        "6",
        "--snapshot",
        snap.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    cognate(&args)
}

#[test]
fn reference_snapshots_are_stable_drift_exits_5_and_update_restores() {
    let dir = tempfile::tempdir().unwrap();
    let (snap, reports) = (dir.path().join("snap"), dir.path().join("reports"));

    // First run: no snapshot yet, so they are written; exit 0.
    let first = run_snapshot(&snap, &reports, &[]);
    assert_eq!(code(&first), 0, "{}", text(&first));
    assert!(
        text(&first).contains("NO BASELINE") && text(&first).contains("written now"),
        "{}",
        text(&first)
    );
    let written = files(&snap);
    let names: Vec<&str> = written.iter().map(|(n, _)| n.as_str()).collect();
    // One file per operation with a pack, and the scenarios' and sequences' InitiateAuth
    // steps get a file of their own: the committed baseline's set.
    let committed =
        files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/snapshots/reference"));
    let want: Vec<&str> = committed.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, want);
    assert!(names.contains(&"InitiateAuth.snap") && names.contains(&"ListGroups.snap"));

    // Second run, same seed and version: nothing differs, byte for byte.
    let second = run_snapshot(&snap, &reports, &[]);
    assert_eq!(code(&second), 0, "{}", text(&second));
    let matching = format!("{} match", want.len());
    assert!(text(&second).contains(&matching), "{}", text(&second));
    assert_eq!(files(&snap), written);
    // And a run writing a fresh directory gives the same bytes.
    let fresh = dir.path().join("fresh");
    let third = run_snapshot(&fresh, &reports, &["--update"]);
    assert_eq!(code(&third), 0, "{}", text(&third));
    assert_eq!(files(&fresh), written);

    // report.md is written beside report.json and junit.xml.
    let md = std::fs::read_to_string(reports.join("report.md")).unwrap();
    assert!(md.starts_with("# cognate report\n"), "{md}");
    assert!(md.contains("| ForgotPassword | valid |"), "{md}");

    // The header records both versions.
    let fp = snap.join("ForgotPassword.snap");
    let original = std::fs::read_to_string(&fp).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert!(original.contains(&format!("# target version  cognate {version}\n")));
    assert!(original.contains(&format!("# harness         cognate {version}\n")));
    assert!(!original.contains(cognate::target::USER_PASSWORD));

    // Edit one line of one case: drift, exit 5, the diff names the case, the file stays.
    let (block_start, _) = original.match_indices("\n[").nth(3).expect("several cases");
    let case_id = &original[block_start + 2..block_start + 18];
    let verdict_at = block_start + original[block_start..].find("  verdict   ").unwrap();
    let line_end = verdict_at + original[verdict_at..].find('\n').unwrap();
    let edited = format!(
        "{}  verdict   tampered{}",
        &original[..verdict_at],
        &original[line_end..]
    );
    std::fs::write(&fp, &edited).unwrap();
    let drift = run_snapshot(&snap, &reports, &[]);
    assert_eq!(code(&drift), 5, "{}", text(&drift));
    let out = text(&drift);
    assert!(out.contains(&format!("changed  {case_id} (")), "{out}");
    assert!(out.contains(&format!("@@ [{case_id}]")), "{out}");
    assert!(out.contains("-  verdict   tampered\n"), "{out}");
    assert!(out.contains("result: snapshot drift (exit 5)"), "{out}");
    assert_eq!(std::fs::read_to_string(&fp).unwrap(), edited);

    // --update rewrites it back to the original bytes, exit 0; then it matches again.
    let update = run_snapshot(&snap, &reports, &["--update"]);
    assert_eq!(code(&update), 0, "{}", text(&update));
    assert!(
        text(&update).contains("snapshot updated"),
        "{}",
        text(&update)
    );
    assert_eq!(files(&snap), written);
    let after = run_snapshot(&snap, &reports, &[]);
    assert_eq!(code(&after), 0, "{}", text(&after));
}

#[test]
fn snapshot_io_errors_exit_3_and_update_needs_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    // A directory where ForgotPassword.snap should be: it cannot be read.
    std::fs::create_dir_all(snap.join("ForgotPassword.snap")).unwrap();
    let out = run_snapshot(&snap, &dir.path().join("r"), &[]);
    assert_eq!(code(&out), 3, "{}", text(&out));
    assert!(text(&out).contains("ForgotPassword.snap"), "{}", text(&out));

    // A file where the directory should be: nothing can be written.
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "x").unwrap();
    let out = run_snapshot(&file, &dir.path().join("r"), &[]);
    assert_eq!(code(&out), 3, "{}", text(&out));

    assert_eq!(code(&cognate(&["run", "--update"])), 1);
}

/// Answers every password-recovery request with a wrong exception and a message full of values
/// that change on every response, plus the fixture password and client secret.
struct Chatty {
    n: AtomicU64,
}

impl Respond for Chatty {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.n.fetch_add(1, Ordering::SeqCst);
        let r: u128 = rand::random();
        let uuid = format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            (r >> 96) as u32,
            (r >> 80) as u16,
            (r >> 68) as u16 & 0xfff,
            (r >> 56) as u16 & 0xfff,
            r as u64 & 0xffff_ffff_ffff
        );
        let code = 100_000 + (r % 900_000) as u32;
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis();
        let message = format!(
            "request {uuid} at 2025-01-01T00:{:02}:{:02}Z (epoch {millis}) in us-east-1_Mock: \
             code {code}, password {}, secret {SECRET}",
            n % 60,
            (n * 7) % 60,
            cognate::target::USER_PASSWORD
        );
        ResponseTemplate::new(400)
            .insert_header("content-type", "application/x-amz-json-1.1")
            .insert_header("x-amzn-requestid", uuid.as_str())
            .set_body_string(
                json!({"__type": "CognateChattyException", "message": message}).to_string(),
            )
    }
}

const SECRET: &str = "mock-client-secret-5f2b7c";

async fn chatty_target() -> MockServer {
    let server = MockServer::start().await;
    mount_provisioning(&server, SECRET).await;
    Mock::given(method("POST"))
        .respond_with(Chatty {
            n: AtomicU64::new(0),
        })
        .mount(&server)
        .await;
    server
}

/// A target that fails every case: the baseline records the failures, so a second run exits 0
/// ("all recorded in the baseline"), although every message differs from the first run's; no
/// secret and no dynamic value is in the files.
#[tokio::test(flavor = "multi_thread")]
async fn known_failures_exit_0_and_dynamic_values_are_tokens() {
    let server = chatty_target().await;
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    let reports = dir.path().join("reports");
    let uri = server.uri();
    let run = {
        let (snap, reports, uri) = (snap.clone(), reports.clone(), uri.clone());
        move || run_snapshot(&snap, &reports, &["--target", &uri])
    };
    let first = tokio::task::spawn_blocking(run.clone()).await.unwrap();
    assert_eq!(code(&first), 0, "{}", text(&first));
    let written = files(&snap);
    let second = tokio::task::spawn_blocking(run).await.unwrap();
    assert_eq!(code(&second), 0, "{}", text(&second));
    let out = text(&second);
    assert!(out.contains("all recorded in the baseline"), "{out}");
    assert!(out.contains("result: pass (exit 0)"), "{out}");
    assert!(!out.contains("result: contract failure"), "{out}");
    assert_eq!(files(&snap), written);

    let all: String = written
        .iter()
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .collect();
    for leaked in [
        cognate::target::USER_PASSWORD,
        SECRET,
        "us-east-1_Mock",
        "2025-01-01T",
    ] {
        assert!(!all.contains(leaked), "{leaked} in a snapshot");
    }
    assert!(
        all.contains(
            "message   request <uuid> at <timestamp> (epoch <digits>) in <pool>: code <digits>, \
             password <redacted>, secret <redacted>\n"
        ),
        "{all}"
    );
    assert!(all.contains("answer    400 CognateChattyException"));
    assert!(all.contains("fail      exception: got CognateChattyException"));

    // Without --snapshot the same target is a contract failure, as before.
    let plain = tokio::task::spawn_blocking(move || {
        cognate(&[
            "run",
            "--quiet",
            "--target",
            &uri,
            "--report-dir",
            reports.to_str().unwrap(),
        ])
    })
    .await
    .unwrap();
    assert_eq!(code(&plain), 4, "{}", text(&plain));
}

fn write_report(path: &Path, report: &cognate::report::ReportFile) {
    std::fs::write(path, report.to_json().unwrap()).unwrap();
}

#[test]
fn conformance_from_report_files() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    let run = cognate(&["run", "--quiet", "--report-dir", reports.to_str().unwrap()]);
    assert_eq!(code(&run), 0, "{}", text(&run));
    let real = reports.join("report.json");

    // A hand-made divergent copy: one passing case turned into a failure.
    let mut divergent: cognate::report::ReportFile =
        serde_json::from_str(&std::fs::read_to_string(&real).unwrap()).unwrap();
    divergent.run.target = "http://127.0.0.1:5000".into();
    divergent.run.target_version = None;
    let v = divergent
        .verdicts
        .iter_mut()
        .find(|v| v.operation == "ForgotPassword" && v.group == "contract")
        .unwrap();
    let id = v.case_id.clone();
    v.status = cognate::check::Status::Fail;
    v.observed.exception = Some("UserNotFoundException".into());
    v.checks[3].outcome =
        cognate::check::CheckOutcome::Fail("got UserNotFoundException, expected X".into());
    let divergent = cognate::report::ReportFile::new(divergent.run, divergent.verdicts, None);
    let other = dir.path().join("other.json");
    write_report(&other, &divergent);

    let out_file = dir.path().join("docs/conformance.md");
    let args = [
        "conformance",
        "--report",
        &format!("reference={}", real.display()),
        "--report",
        &format!("emulator={}", other.display()),
    ];
    let mut with_out: Vec<&str> = args.to_vec();
    let out_str = out_file.to_str().unwrap().to_owned();
    with_out.extend(["--out", &out_str]);
    let written = cognate(&with_out);
    assert_eq!(code(&written), 0, "{}", text(&written));
    let doc = std::fs::read_to_string(&out_file).unwrap();
    assert!(
        doc.contains("| operation | rule | reference | emulator |"),
        "{doc}"
    );
    assert!(doc.contains("### reference\n\nNone: "), "{doc}");
    assert!(
        doc.contains("1 distinct divergence(s) across 1 failing case(s)."),
        "{doc}"
    );
    assert!(
        doc.contains(&format!(
            "cognate replay {id} --seed 1 --operation ForgotPassword --target http://127.0.0.1:5000"
        )),
        "{doc}"
    );
    // To stdout, the same text: the document is a function of the reports.
    let printed = cognate(&args);
    assert_eq!(code(&printed), 0, "{}", text(&printed));
    assert_eq!(String::from_utf8_lossy(&printed.stdout), doc);

    // The same comparison as one HTML page: the conformance view, then each target's section.
    let page_file = dir.path().join("conformance.html");
    let mut with_html: Vec<&str> = args.to_vec();
    let page_str = page_file.to_str().unwrap().to_owned();
    with_html.extend(["--html", &page_str]);
    let paged = cognate(&with_html);
    assert_eq!(code(&paged), 0, "{}", text(&paged));
    let page = std::fs::read_to_string(&page_file).unwrap();
    for want in [
        "id=\"total-fail-emulator\"",
        "id=\"total-pass-reference\"",
        &format!("id=\"case-emulator-{id}\""),
    ] {
        assert!(page.contains(want), "report page lacks {want}");
    }

    // Usage and input errors.
    let dup = cognate(&[
        "conformance",
        "--report",
        &format!("a={}", real.display()),
        "--report",
        &format!("a={}", other.display()),
    ]);
    assert_eq!(code(&dup), 1, "{}", text(&dup));
    assert_eq!(code(&cognate(&["conformance", "--report", "no-equals"])), 1);
    assert_eq!(code(&cognate(&["conformance"])), 1);
    let missing = cognate(&["conformance", "--report", "a=/nonexistent/report.json"]);
    assert_eq!(code(&missing), 2, "{}", text(&missing));
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{\"format\": 1}").unwrap();
    let bad = cognate(&[
        "conformance",
        "--report",
        &format!("a={}", garbage.display()),
    ]);
    assert_eq!(code(&bad), 2, "{}", text(&bad));
}

/// The committed baseline of the reference target matches what this build answers (the same
/// check CI runs, on a copy so the test never writes into the repository).
#[test]
fn committed_reference_baseline_has_no_drift() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/snapshots/reference");
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("reference");
    std::fs::create_dir_all(&copy).unwrap();
    for (name, bytes) in files(&committed) {
        std::fs::write(copy.join(name), bytes).unwrap();
    }
    let out = cognate(&[
        "run",
        "--quiet",
        "--snapshot",
        copy.to_str().unwrap(),
        "--report-dir",
        dir.path().join("r").to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(files(&copy), files(&committed));
}

/// Under CI=true (or --fail-on-skip) a missing baseline is not recorded: nothing is written and
/// the run exits 5, so an unreviewed baseline can never pass a CI run by being created in it.
#[test]
fn a_missing_baseline_fails_under_ci_and_fail_on_skip() {
    let dir = tempfile::tempdir().unwrap();
    let (snap, reports) = (dir.path().join("snap"), dir.path().join("reports"));
    let args = [
        "run",
        "--quiet",
        "--no-scenarios",
        "--operation",
        "ForgotPassword",
        "--snapshot",
        snap.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
    ];
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cognate"))
        .args(args)
        .env("CI", "true")
        .output()
        .unwrap();
    assert_eq!(code(&out), 5, "{}", text(&out));
    assert!(text(&out).contains("NO BASELINE"), "{}", text(&out));
    assert!(files(&snap).is_empty(), "nothing written under CI=true");

    let mut strict = args.to_vec();
    strict.push("--fail-on-skip");
    let out = cognate(&strict);
    assert_eq!(code(&out), 5, "{}", text(&out));
    assert!(files(&snap).is_empty());

    // Without either, the file is written and announced.
    let out = cognate(&args);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert_eq!(files(&snap).len(), 1);
}
