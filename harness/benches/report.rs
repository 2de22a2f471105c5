//! Report writing, in verdicts per second: the events of a run of N verdicts (`Started`, one
//! `Finished` per verdict, `Done`) fed through a `Reporter` with the JSON, JUnit and Markdown
//! sinks, then `finish()` writing report.json, junit.xml and report.md into a temporary
//! directory; and each sink alone, to see which one costs what.
//!
//! The verdicts are real: ForgotPassword cases checked against the reference target's answers,
//! captured once in the setup (a mix of passes and, where the reference rate-limits or differs,
//! failures, as a run has).

mod common;

use std::time::Duration;

use cognate::check::Checker;
use cognate::report::{Event, JsonReport, JunitReport, MarkdownReport, Reporter, RunInfo};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// Property cases on top of the fixed set: about ten thousand verdicts per report.
const EXTRA: usize = 10_000;

fn events() -> Vec<Event> {
    let cases = common::cases("ForgotPassword", EXTRA);
    let captured = common::capture(&cases);
    let checker = Checker::new(common::catalogue())
        .expect("the output schemas compile")
        .with_secrets(captured.secrets);
    let mut events = vec![Event::Started(RunInfo {
        harness_version: env!("CARGO_PKG_VERSION").to_owned(),
        target: "reference".into(),
        target_version: None,
        seed: common::SEED,
        operations: vec!["ForgotPassword".into()],
        cases: cases.len(),
        started: "2025-01-01T00:00:00Z".into(),
        not_implemented: Vec::new(),
        warnings: Vec::new(),
        partition: None,
    })];
    events.extend(
        cases
            .iter()
            .zip(&captured.exchanges)
            .map(|(c, x)| Event::Finished(checker.check(c, x))),
    );
    events.push(Event::Done {
        elapsed: Duration::from_secs(1),
        retried: 0,
        incomplete: None,
    });
    events
}

/// Adds a bench's sinks, writing into a directory, to a reporter.
type AddSinks = fn(&mut Reporter, &std::path::Path);

fn bench(c: &mut Criterion) {
    let events = events();
    let verdicts = events.len() - 2;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path();
    // Which sinks a reporter gets: all three as a run has, then each alone.
    let sinks: [(&str, AddSinks); 4] = [
        ("json_junit_markdown", |r, p| {
            // As `cognate run` adds them: junit.xml from the verdicts report.json's sink keeps.
            let json = JsonReport::new(p);
            let junit = JunitReport::beside(p, &json);
            r.add(json).add(junit).add(MarkdownReport::new(p));
        }),
        ("json", |r, p| {
            r.add(JsonReport::new(p));
        }),
        ("junit", |r, p| {
            r.add(JunitReport::new(p));
        }),
        ("markdown", |r, p| {
            r.add(MarkdownReport::new(p));
        }),
    ];
    let mut g = c.benchmark_group("report");
    g.throughput(Throughput::Elements(verdicts as u64));
    for (name, add) in sinks {
        g.bench_function(BenchmarkId::new(name, verdicts), |b| {
            b.iter(|| {
                let mut reporter = Reporter::new();
                add(&mut reporter, path);
                for e in &events {
                    reporter.event(e);
                }
                reporter.finish().expect("the reports are written")
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion(10);
    targets = bench
}
criterion_main!(benches);
