//! CI sharding end to end, through the binary: `run --partition hash:K/N` on every shard, then
//! `cognate merge`, gives the verdicts of one unsharded run.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{code, cognate, text};
use serde_json::Value;

/// Password recovery and sign-up with their scenarios and two sequences of each family: every
/// kind of thing a shard splits, in a few seconds.
const OPERATIONS: &str = "ForgotPassword,ConfirmForgotPassword,SignUp,ConfirmSignUp,InitiateAuth";

fn run(dir: &Path, partition: Option<&str>) -> i32 {
    let mut args = vec![
        "run",
        "--quiet",
        "--operation",
        OPERATIONS,
        "--sequences",
        "2",
        "--report-dir",
        dir.to_str().unwrap(),
    ];
    if let Some(p) = partition {
        args.extend(["--partition", p]);
    }
    let o = cognate(&args);
    assert!(matches!(code(&o), 0 | 4), "{}", text(&o));
    code(&o)
}

fn report(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap()
}

/// Each verdict as what it judged: the case, its verdict and every check's outcome (messages
/// name the run's own pool and are left out).
fn judged(report: &Value) -> BTreeSet<String> {
    report["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let checks: Vec<String> = v["checks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| format!("{}={}", c["check"], c["result"]))
                .collect();
            format!(
                "{} {} {} {} {}",
                v["case_id"],
                v["operation"],
                v["label"],
                v["status"],
                checks.join(" ")
            )
        })
        .collect()
}

#[test]
fn four_shards_merged_are_the_unsharded_run() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let whole_code = run(&whole, None);
    let mut shards = Vec::new();
    let mut sizes = Vec::new();
    for k in 1..=4 {
        let dir = tmp.path().join(format!("shard{k}"));
        run(&dir, Some(&format!("hash:{k}/4")));
        let r = report(&dir);
        assert_eq!(r["run"]["partition"], format!("hash:{k}/4"));
        sizes.push(r["verdicts"].as_array().unwrap().len());
        shards.push(dir);
    }
    // Each shard has a share, none has all.
    let whole_report = report(&whole);
    let total = whole_report["verdicts"].as_array().unwrap().len();
    assert!(
        sizes.iter().all(|s| *s > 0 && *s < total),
        "{sizes:?} of {total}"
    );

    let merged = tmp.path().join("merged");
    let mut args = vec!["merge", "--report-dir", merged.to_str().unwrap()];
    args.extend(shards.iter().map(|d| d.to_str().unwrap()));
    let o = cognate(&args);
    assert_eq!(code(&o), whole_code, "{}", text(&o));
    let m = report(&merged);
    assert_eq!(judged(&m), judged(&whole_report));
    assert_eq!(m["summary"]["totals"], whole_report["summary"]["totals"]);
    assert_eq!(m["run"]["cases"], whole_report["run"]["cases"]);
    assert!(m["run"].get("partition").is_none(), "{}", m["run"]);
    for file in ["junit.xml", "report.md", "report.html"] {
        assert!(merged.join(file).is_file(), "{file}");
    }

    // Three shards of four are not the run.
    let mut args = vec!["merge", "--report-dir", merged.to_str().unwrap()];
    args.extend(shards[..3].iter().map(|d| d.to_str().unwrap()));
    let o = cognate(&args);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(
        text(&o).contains("shard(s) 4 of 4 are missing"),
        "{}",
        text(&o)
    );
}

#[test]
fn the_shards_cases_are_the_whole_runs_once_each() {
    let ids = |partition: Option<&str>| -> Vec<String> {
        let mut args = vec!["cases", "--operation", OPERATIONS, "--cases", "20"];
        if let Some(p) = partition {
            args.extend(["--partition", p]);
        }
        let o = cognate(&args);
        assert_eq!(code(&o), 0, "{}", text(&o));
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].to_string())
            .collect()
    };
    let whole: BTreeSet<String> = ids(None).into_iter().collect();
    let mut union = BTreeSet::new();
    for k in 1..=3 {
        for id in ids(Some(&format!("hash:{k}/3"))) {
            assert!(union.insert(id.clone()), "{id} is in two shards");
        }
    }
    assert_eq!(union, whole);
}

#[test]
fn a_bad_partition_or_one_with_snapshots_is_a_usage_error() {
    for bad in ["hash:0/4", "hash:5/4", "4", "count:1/2"] {
        let o = cognate(&["cases", "--partition", bad]);
        assert_eq!(code(&o), 1, "{bad}: {}", text(&o));
        assert!(text(&o).contains("hash:K/N"), "{}", text(&o));
    }
    let tmp = tempfile::tempdir().unwrap();
    let o = cognate(&[
        "run",
        "--partition",
        "hash:1/2",
        "--snapshot",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("--partition cannot be used with --snapshot"));
}
