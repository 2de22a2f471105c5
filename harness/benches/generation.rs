//! Case generation (`generate::cases`), in cases per second: for ForgotPassword and
//! ConfirmForgotPassword the fixed set alone (`--cases 0`) and with 1,000 property cases
//! (`--cases 1000`), and one pass over every operation of the model (`--all-operations`, fixed
//! cases). Each call generates from scratch, as a run does.

mod common;

use std::hint::black_box;

use cognate::generate::{self, Options};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// Property cases per operation in the `property` benches: enough that they dominate the fixed
/// set, few enough for a quick bench.
const EXTRA: usize = 1_000;

fn per_operation(c: &mut Criterion) {
    let mut g = c.benchmark_group("generation");
    for op in ["ForgotPassword", "ConfirmForgotPassword"] {
        for (name, extra) in [("fixed", 0), ("property_1000", EXTRA)] {
            // Throughput is every case the call returns (fixed ones included), as a run counts.
            let n = common::cases(op, extra).len();
            g.throughput(Throughput::Elements(n as u64));
            g.bench_with_input(BenchmarkId::new(name, op), &extra, |b, &extra| {
                b.iter(|| black_box(common::cases(black_box(op), extra)))
            });
        }
    }
    g.finish();
}

fn all_operations(c: &mut Criterion) {
    let cat = common::catalogue();
    let contract = common::contract();
    let opts = Options {
        seed: common::SEED,
        extra: 0,
    };
    let all = || {
        let mut n = 0;
        for op in cat.operations.keys() {
            n += generate::cases(cat, contract, op, opts)
                .unwrap_or_else(|e| panic!("generating {op}: {e}"))
                .len();
        }
        n
    };
    let n = all();
    let mut g = c.benchmark_group("generation");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("all_operations_fixed", |b| b.iter(|| black_box(all())));
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion(10);
    targets = per_operation, all_operations
}
criterion_main!(benches);
