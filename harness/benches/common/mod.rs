//! Setup shared by the benches: the embedded catalogue and contract, generated cases, and real
//! exchanges obtained once from the in-process reference target. Nothing here is measured.

// Each bench uses a part of this module.
#![allow(dead_code)]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use cognate::generate::{self, Case, Contract, Options};
use cognate::model::Catalogue;
use cognate::reference::{self, Reference};
use cognate::replay::{Client, Config, Exchange, Signing};
use cognate::target::Provisioner;

/// The seed every bench generates with (the CLI's default).
pub const SEED: u64 = 1;

pub fn catalogue() -> &'static Catalogue {
    Catalogue::embedded()
}

pub fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| Contract::embedded(catalogue()).expect("the embedded contract loads"))
}

/// Every case of `operation`: the fixed set plus `extra` property cases.
pub fn cases(operation: &str, extra: usize) -> Vec<Case> {
    generate::cases(
        catalogue(),
        contract(),
        operation,
        Options { seed: SEED, extra },
    )
    .unwrap_or_else(|e| panic!("generating {operation}: {e}"))
}

/// What a bench needs to judge exchanges as a run does.
pub struct Captured {
    /// One exchange per case, in case order.
    pub exchanges: Vec<Exchange>,
    /// The fixture's secrets, which a run's checker redacts (part of the checking cost).
    pub secrets: Vec<String>,
}

/// Sends every case once, in order, to a fresh reference target on 127.0.0.1 with a provisioned
/// fixture, and returns what came back: real responses without a network in the measured loop.
pub fn capture(cases: &[Case]) -> Captured {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(async {
        let r = Arc::new(Reference::new(catalogue()));
        let server = reference::spawn(r, ([127, 0, 0, 1], 0).into())
            .await
            .expect("the reference target starts on 127.0.0.1");
        let client = Client::new(
            &format!("http://{}", server.addr),
            Config {
                concurrency: 1,
                timeout: Duration::from_secs(10),
                signing: Signing::test_credentials("us-east-1"),
            },
        )
        .expect("an HTTP client");
        let fixture = Provisioner::new(&client)
            .provision("bench")
            .await
            .expect("the reference target provisions a fixture");
        let mut exchanges = Vec::with_capacity(cases.len());
        for c in cases {
            exchanges.push(client.send(&c.id, &c.request, &fixture).await);
        }
        server.shutdown().await;
        Captured {
            exchanges,
            secrets: fixture.secrets(),
        }
    })
}

/// Criterion with short runs: the machine is small and shared, and ratios within one run are
/// what count.
pub fn criterion(sample_size: usize) -> criterion::Criterion {
    criterion::Criterion::default()
        .sample_size(sample_size)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3))
}
