//! The pattern translator, in patterns per second: `dialect::translate` alone (Java → anchored
//! Rust/ECMA text) and `Pattern::new` (translation plus compilation) over every distinct pattern
//! of the model; and `Pattern::is_match` over those patterns with a few typical values, in
//! matches per second.

mod common;

use std::collections::BTreeSet;
use std::hint::black_box;

use cognate::dialect::{self, Pattern};
use cognate::model::Kind;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// Every distinct pattern of the embedded model, as the model writes it.
fn model_patterns() -> Vec<String> {
    let set: BTreeSet<String> = common::catalogue()
        .shapes
        .values()
        .filter_map(|s| match &s.kind {
            Kind::String {
                pattern: Some(p), ..
            } => Some(p.java().to_owned()),
            _ => None,
        })
        .collect();
    set.into_iter().collect()
}

/// Values a run matches often: empty, an e-mail address, a client id, non-ASCII text, a long
/// value.
fn values() -> Vec<String> {
    vec![
        String::new(),
        "cognate-email@example.com".into(),
        "1example23456789".into(),
        "päss wörd ✓".into(),
        "a".repeat(256),
    ]
}

fn translate(c: &mut Criterion) {
    let patterns = model_patterns();
    let mut g = c.benchmark_group("dialect");
    g.throughput(Throughput::Elements(patterns.len() as u64));
    g.bench_function("translate_all", |b| {
        b.iter(|| {
            for p in &patterns {
                black_box(dialect::translate(black_box(p)).expect("model patterns translate"));
            }
        })
    });
    g.bench_function("pattern_new_all", |b| {
        b.iter(|| {
            for p in &patterns {
                black_box(Pattern::new(black_box(p)).expect("model patterns compile"));
            }
        })
    });
    g.finish();
}

fn matching(c: &mut Criterion) {
    let patterns: Vec<Pattern> = model_patterns()
        .iter()
        .map(|p| Pattern::new(p).expect("model patterns compile"))
        .collect();
    let values = values();
    let mut g = c.benchmark_group("dialect");
    g.throughput(Throughput::Elements((patterns.len() * values.len()) as u64));
    g.bench_function("is_match_all", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for p in &patterns {
                for v in &values {
                    n += usize::from(p.is_match(black_box(v)));
                }
            }
            black_box(n)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion(20);
    targets = translate, matching
}
criterion_main!(benches);
