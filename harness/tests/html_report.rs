//! report.html in a real browser: headless Chromium loads the page from file://, runs its script,
//! and the DOM it dumps shows the totals, the anchors and the filters at work; a screenshot is
//! kept as an artifact. And a real run writes report.html beside report.json, with the same
//! totals.
//!
//! Chromium is COGNATE_CHROMIUM, /usr/bin/chromium, or chromium or chromium-browser on PATH.
//! Without one the browser tests print "skipped: no chromium" and pass, unless
//! COGNATE_REQUIRE_CHROMIUM=1 (CI sets it, and installs Chromium).
#![cfg(unix)]

mod common;
mod report_fixtures;

use std::collections::BTreeSet;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cognate::check::{CheckName, CheckOutcome, Status, Verdict};
use cognate::report::{html, NamedReport, ReportFile, HTML_FILE};
use common::{code, cognate, text};
use report_fixtures::{run_info, verdicts};
use serde_json::Value;

/// How long one browser run may take before it is killed and the test fails.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The Chromium to run; `None`, after saying so, when there is none and none is required.
fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("COGNATE_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| {
            let usual = Path::new("/usr/bin/chromium");
            if usual.is_file() {
                return Some(usual.to_path_buf());
            }
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path)
                .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
                .find(|p| p.is_file())
        });
    if found.is_none() {
        assert!(
            std::env::var("COGNATE_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "COGNATE_REQUIRE_CHROMIUM=1 but no Chromium was found: set COGNATE_CHROMIUM to its \
             path, or put chromium or chromium-browser on PATH"
        );
        println!("skipped: no chromium");
    }
    found
}

/// Runs Chromium headless on `url`, with a profile of its own, and returns what it printed.
fn run_chromium(exe: &Path, extra: &[&str], url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(exe)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--virtual-time-budget=5000")
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A group of its own: the renderer and GPU processes end with the browser, even killed.
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
    let group = -i32::try_from(child.id()).expect("a pid fits an i32");
    let end_group = || {
        // SAFETY: kill(2) takes no pointers; the group is the one this test started.
        unsafe { libc::kill(group, libc::SIGKILL) };
    };
    // Read as it comes: a page larger than the pipe would otherwise stall the browser.
    let drain = |mut from: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = from.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            end_group();
            let _ = child.wait();
            panic!("chromium took more than {BROWSER_TIMEOUT:?} on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // A helper process left behind would hold the pipes open.
    end_group();
    let stdout = stdout.join().unwrap();
    let stderr = stderr.join().unwrap();
    assert!(
        status.success(),
        "chromium failed ({status}) on {url}:\n{}",
        String::from_utf8_lossy(&stderr)
    );
    String::from_utf8(stdout).expect("chromium prints UTF-8")
}

/// The DOM of the page at `url` once its script has run.
fn dump_dom(exe: &Path, url: &str) -> String {
    let dom = run_chromium(exe, &["--dump-dom"], url);
    let body = &dom[dom.find("<body").expect("a body in the DOM")..];
    let body = &body[..=body.find('>').unwrap()];
    assert_eq!(
        attr(body, "data-ready"),
        Some("1"),
        "the script did not finish: {body}"
    );
    dom
}

/// A report.html of the shared fixtures (every status, two operations) in a directory of its
/// own, and the verdicts it shows.
struct Page {
    _dir: tempfile::TempDir,
    path: PathBuf,
    verdicts: Vec<Verdict>,
}

fn page() -> Page {
    let dir = tempfile::tempdir().unwrap();
    let report = ReportFile::new(run_info(), verdicts(), Some(Duration::from_millis(10_234)));
    let path = dir.path().join(HTML_FILE);
    let named = NamedReport {
        name: report.run.target.clone(),
        report: report.clone(),
    };
    std::fs::write(&path, html(&[named])).unwrap();
    Page {
        _dir: dir,
        path,
        verdicts: report.verdicts,
    }
}

fn url(path: &Path, fragment: &str) -> String {
    format!("file://{}{fragment}", path.display())
}

/// The start tags of the table rows, in order.
fn row_tags(dom: &str) -> Vec<&str> {
    dom.match_indices("<tr")
        .filter_map(|(at, _)| {
            let rest = &dom[at..];
            let tag = &rest[..=rest.find('>')?];
            matches!(tag.as_bytes()[3], b' ' | b'>').then_some(tag)
        })
        .collect()
}

/// The start tags of the verdicts' rows.
fn verdict_rows(dom: &str) -> Vec<&str> {
    row_tags(dom)
        .into_iter()
        .filter(|tag| attr(tag, "data-status").is_some())
        .collect()
}

fn attr<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

fn is_hidden(tag: &str) -> bool {
    attr(tag, "hidden").is_some()
}

/// The text of the element with this id, up to its first child.
fn text_of<'d>(dom: &'d str, id: &str) -> &'d str {
    let at = dom
        .find(&format!(" id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element {id}"));
    let start = at + dom[at..].find('>').unwrap() + 1;
    &dom[start..start + dom[start..].find('<').unwrap()]
}

fn count(verdicts: &[Verdict], status: Status) -> usize {
    verdicts.iter().filter(|v| v.status == status).count()
}

fn fails(v: &Verdict, check: CheckName) -> bool {
    v.checks
        .iter()
        .any(|c| c.check == check && matches!(c.outcome, CheckOutcome::Fail(_)))
}

/// With `fragment` in the URL, exactly the verdicts `keep` keeps are shown, each with its
/// details row when it has one, and the counter says how many.
fn assert_filtered(fragment: &str, keep: impl Fn(&Verdict) -> bool) {
    let Some(exe) = chromium() else { return };
    let page = page();
    let dom = dump_dom(&exe, &url(&page.path, fragment));
    let want: BTreeSet<String> = page
        .verdicts
        .iter()
        .filter(|v| keep(v))
        .map(|v| format!("case-{}", v.case_id))
        .collect();
    assert!(
        !want.is_empty() && want.len() < page.verdicts.len(),
        "{fragment} keeps {} of {} fixtures: it shows nothing about filtering",
        want.len(),
        page.verdicts.len()
    );
    let rows = verdict_rows(&dom);
    assert_eq!(rows.len(), page.verdicts.len(), "every verdict has a row");
    let shown: BTreeSet<String> = rows
        .iter()
        .filter(|tag| !is_hidden(tag))
        .map(|tag| attr(tag, "id").expect("a verdict row has an id").to_owned())
        .collect();
    assert_eq!(shown, want, "{fragment}");
    assert_eq!(text_of(&dom, "shown-count"), want.len().to_string());
    let mut case_hidden = None;
    for tag in row_tags(&dom) {
        if attr(tag, "data-status").is_some() {
            case_hidden = Some(is_hidden(tag));
        } else if attr(tag, "class") == Some("more") {
            assert_eq!(
                Some(is_hidden(tag)),
                case_hidden,
                "details follow their case: {tag}"
            );
        }
    }
}

#[test]
fn unfiltered_page_shows_every_verdict_and_the_totals() {
    let Some(exe) = chromium() else { return };
    let page = page();
    let dom = dump_dom(&exe, &url(&page.path, ""));
    let v = &page.verdicts;
    for (id, n) in [
        ("total-pass", count(v, Status::Pass)),
        ("total-fail", count(v, Status::Fail)),
        ("total-error", count(v, Status::Error)),
        ("total-skip", count(v, Status::Skip)),
        ("total-all", v.len()),
        ("shown-count", v.len()),
    ] {
        assert_eq!(text_of(&dom, id), n.to_string(), "{id}");
    }
    let rows = verdict_rows(&dom);
    assert_eq!(rows.len(), v.len());
    assert!(rows.iter().all(|tag| !is_hidden(tag)), "nothing hidden");
    let details = row_tags(&dom)
        .into_iter()
        .filter(|tag| attr(tag, "class") == Some("more"))
        .count();
    assert_eq!(
        details,
        count(v, Status::Fail) + count(v, Status::Error),
        "a details row under each failing or unjudged case"
    );

    // A failing case whose reason is plain text, as the DOM prints it.
    let failing = v
        .iter()
        .find(|v| {
            v.status == Status::Fail
                && v.reason.as_deref().is_some_and(|r| {
                    r.chars()
                        .all(|c| c.is_ascii_alphanumeric() || " :,.".contains(c))
                })
        })
        .expect("the fixtures have a failing case with a plain reason");
    let id = format!("case-{}", failing.case_id);
    let at = dom
        .find(&format!("<tr id=\"{id}\""))
        .unwrap_or_else(|| panic!("no row {id}"));
    let row = &dom[at..at + dom[at..].find("</tr>").unwrap()];
    assert!(row.contains(&format!("href=\"#{id}\"")), "{row}");
    assert!(row.contains("data-status=\"fail\""), "{row}");
    let reason = failing.reason.as_deref().unwrap();
    assert!(row.contains(&format!("<td>{reason}</td>")), "{row}");
}

#[test]
fn a_status_filter_in_the_fragment_shows_only_those_verdicts() {
    assert_filtered("#filter:status=fail", |v| v.status == Status::Fail);
}

#[test]
fn an_operation_filter_in_the_fragment_shows_only_that_operation() {
    assert_filtered("#filter:op=InitiateAuth", |v| v.operation == "InitiateAuth");
    assert_filtered("#filter:op=SignUp&status=fail", |v| {
        v.operation == "SignUp" && v.status == Status::Fail
    });
}

#[test]
fn a_check_filter_in_the_fragment_shows_the_verdicts_that_check_failed() {
    assert_filtered("#filter:check=exception", |v| {
        fails(v, CheckName::Exception)
    });
}

#[test]
fn a_screenshot_of_the_page_is_kept() {
    let Some(exe) = chromium() else { return };
    let page = page();
    let artifacts = std::env::var_os("COGNATE_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/artifacts"))
        });
    std::fs::create_dir_all(&artifacts).unwrap();
    // The page beside its picture, to open when the picture raises a question.
    std::fs::copy(&page.path, artifacts.join(HTML_FILE)).unwrap();
    let png = artifacts.join("report.png");
    // A picture from an earlier run must not pass for this one's.
    let _ = std::fs::remove_file(&png);
    let screenshot = format!("--screenshot={}", png.display());
    run_chromium(
        &exe,
        &[screenshot.as_str(), "--window-size=1280,1600"],
        &url(&page.path, ""),
    );
    let bytes =
        std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot at {}: {e}", png.display()));
    assert!(
        bytes.starts_with(PNG_SIGNATURE),
        "{} is not a PNG",
        png.display()
    );
}

#[test]
fn a_run_writes_report_html_with_report_jsons_totals() {
    let dir = tempfile::tempdir().unwrap();
    let out = cognate(&[
        "run",
        "--quiet",
        "--operation",
        "ForgotPassword",
        "--no-scenarios",
        "--sequences",
        "0",
        "--report-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("report.json")).expect("report.json written"),
    )
    .expect("report.json is JSON");
    let page = std::fs::read_to_string(dir.path().join(HTML_FILE))
        .unwrap_or_else(|e| panic!("report.html written: {e}\n{}", text(&out)));
    let totals = &json["summary"]["totals"];
    let mut all = 0;
    for key in ["pass", "fail", "error", "skip"] {
        let n = totals[key]
            .as_u64()
            .unwrap_or_else(|| panic!("summary.totals.{key} in {totals}"));
        all += n;
        assert_eq!(
            text_of(&page, &format!("total-{key}")),
            n.to_string(),
            "{key}"
        );
    }
    assert_eq!(text_of(&page, "total-all"), all.to_string());
    let verdicts = json["verdicts"].as_array().expect("verdicts");
    assert!(!verdicts.is_empty());
    assert_eq!(verdict_rows(&page).len(), verdicts.len());
    for v in verdicts {
        assert_eq!(v["operation"], "ForgotPassword");
        let id = v["case_id"].as_str().expect("a case id");
        assert!(page.contains(&format!("<tr id=\"case-{id}\" data-op=\"ForgotPassword\"")));
    }
}
