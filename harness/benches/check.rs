//! The checker (`Checker::check`: exchange → verdict, output-schema validation included), in
//! verdicts per second, on real exchanges captured once from the reference target in the setup:
//!
//! - `valid_success`: ForgotPassword's base request and its 200 answer (pass, schema validated);
//! - `invalid_400`: a ForgotPassword case missing ClientId and its awsJson 400 (pass);
//! - `wrong_answer`: the base request paired with that 400 (fail, reason rendered);
//! - `mix`: every fixed case of ForgotPassword and ConfirmForgotPassword with its real answer.
//! - `property_mix`: 2,000 property cases of both operations with their real answers.
//!
//! The checker carries the fixture's secrets, as in a run, since redaction is part of the cost.

mod common;

use std::hint::black_box;

use cognate::check::{Checker, Status};
use cognate::generate::{Case, CaseKind, Rule};
use cognate::replay::Exchange;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn bench(c: &mut Criterion) {
    let mut cases = common::cases("ForgotPassword", 0);
    cases.extend(common::cases("ConfirmForgotPassword", 0));
    let captured = common::capture(&cases);
    let checker = Checker::new(common::catalogue())
        .expect("the output schemas compile")
        .with_secrets(captured.secrets.clone());
    let pairs: Vec<(&Case, &Exchange)> = cases.iter().zip(&captured.exchanges).collect();

    let find = |pred: &dyn Fn(&Case) -> bool, what: &str| {
        *pairs
            .iter()
            .find(|(c, _)| c.operation == "ForgotPassword" && pred(c))
            .unwrap_or_else(|| panic!("no ForgotPassword case: {what}"))
    };
    let valid = find(&|c| c.label == "base request", "base request");
    let invalid = find(
        &|c| {
            c.kind
                == CaseKind::Invalid {
                    rule: Rule::MissingRequired,
                }
                && c.member.as_deref() == Some("ClientId")
        },
        "ClientId missing",
    );
    // The valid request answered with the invalid one's 400: a wrong answer.
    let wrong = Exchange {
        case_id: valid.1.case_id.clone(),
        sent: valid.1.sent.clone(),
        result: invalid.1.result.clone(),
        elapsed: valid.1.elapsed,
    };
    let singles: [(&str, &Case, &Exchange, Status); 3] = [
        ("valid_success", valid.0, valid.1, Status::Pass),
        ("invalid_400", invalid.0, invalid.1, Status::Pass),
        ("wrong_answer", valid.0, &wrong, Status::Fail),
    ];

    let mut g = c.benchmark_group("check");
    for (name, case, exchange, want) in singles {
        // The bench measures what it says only if the reference answered as expected.
        let got = checker.check(case, exchange);
        assert_eq!(got.status, want, "{name}: {:?}", got.reason);
        g.throughput(Throughput::Elements(1));
        g.bench_function(name, |b| {
            b.iter(|| black_box(checker.check(black_box(case), black_box(exchange))))
        });
    }
    g.throughput(Throughput::Elements(pairs.len() as u64));
    g.bench_function("mix", |b| {
        b.iter(|| {
            for (case, exchange) in &pairs {
                black_box(checker.check(case, exchange));
            }
        })
    });

    // What a long run checks: property cases, whose values stay short. The fixed mix above
    // carries the 131,072-character boundary values, whose parsing dominates it.
    let mut property: Vec<Case> = common::cases("ForgotPassword", 1000);
    property.extend(common::cases("ConfirmForgotPassword", 1000));
    property.retain(|c| c.label.starts_with("property #"));
    let captured = common::capture(&property);
    let checker = Checker::new(common::catalogue())
        .expect("the output schemas compile")
        .with_secrets(captured.secrets.clone());
    let pairs: Vec<(&Case, &Exchange)> = property.iter().zip(&captured.exchanges).collect();
    g.throughput(Throughput::Elements(pairs.len() as u64));
    g.bench_function("property_mix", |b| {
        b.iter(|| {
            for (case, exchange) in &pairs {
                black_box(checker.check(case, exchange));
            }
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion(20);
    targets = bench
}
criterion_main!(benches);
