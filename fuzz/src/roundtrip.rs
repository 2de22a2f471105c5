//! Values for the `case_roundtrip` target: [`Case`]s, [`Verdict`]s and whole [`ReportFile`]s
//! built from fuzz input, or cases from the generator with a fuzzed seed.

use std::sync::OnceLock;
use std::time::Duration;

use arbitrary::{Arbitrary, Result, Unstructured};

use cognate::check::{CheckName, CheckOutcome, CheckResult, Observed, Status, Verdict};
use cognate::generate::{
    self, Case, CaseKind, Contract, Expectation, Expected, Forgery, Options, Request, Rule,
};
use cognate::model::Catalogue;
use cognate::report::{ReportFile, RunInfo};

const CHECKS: &[CheckName] = &CheckName::ALL;

fn string(u: &mut Unstructured<'_>) -> Result<String> {
    String::arbitrary(u)
}

fn opt_string(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    Option::<String>::arbitrary(u)
}

fn strings(u: &mut Unstructured<'_>, max: usize) -> Result<Vec<String>> {
    let n = u.int_in_range(0..=max)?;
    (0..n).map(|_| string(u)).collect()
}

fn expectation(u: &mut Unstructured<'_>) -> Result<Expectation> {
    let expected = if bool::arbitrary(u)? {
        Expected::Success
    } else {
        Expected::Error {
            exceptions: strings(u, 3)?,
            status: u16::arbitrary(u)?,
        }
    };
    let mut e = Expectation::new(expected, string(u)?);
    if bool::arbitrary(u)? {
        e.message = Some(string(u)?);
    }
    Ok(e)
}

fn kind(u: &mut Unstructured<'_>) -> Result<CaseKind> {
    Ok(match u.int_in_range(0..=4u8)? {
        0 => CaseKind::Valid,
        1 => CaseKind::Contract,
        2 => CaseKind::Scenario,
        3 => CaseKind::Sequence,
        _ => CaseKind::Invalid {
            rule: *u.choose(Rule::ALL)?,
        },
    })
}

/// A case with every field drawn from the input.
pub fn arbitrary_case(u: &mut Unstructured<'_>) -> Result<Case> {
    Ok(Case {
        id: string(u)?,
        operation: string(u)?,
        kind: kind(u)?,
        label: string(u)?,
        member: opt_string(u)?,
        request: Request {
            target: opt_string(u)?,
            content_type: opt_string(u)?,
            body: string(u)?,
            signed: bool::arbitrary(u)?,
            forgery: *u.choose(&[Forgery::None, Forgery::WrongSecret, Forgery::UnknownKey])?,
        },
        expectation: expectation(u)?,
    })
}

/// A verdict with every field drawn from the input.
pub fn arbitrary_verdict(u: &mut Unstructured<'_>) -> Result<Verdict> {
    let n = u.int_in_range(0..=CHECKS.len())?;
    let mut checks = Vec::with_capacity(n);
    for _ in 0..n {
        let outcome = match u.int_in_range(0..=2u8)? {
            0 => CheckOutcome::Pass,
            1 => CheckOutcome::Fail(string(u)?),
            _ => CheckOutcome::Skip(string(u)?),
        };
        checks.push(CheckResult {
            check: *u.choose(CHECKS)?,
            outcome,
        });
    }
    Ok(Verdict {
        case_id: string(u)?,
        operation: string(u)?,
        group: string(u)?,
        label: string(u)?,
        status: *u.choose(&Status::ALL)?,
        reason: opt_string(u)?,
        checks,
        observed: Observed {
            status: Option::<u16>::arbitrary(u)?,
            exception: opt_string(u)?,
            message: opt_string(u)?,
            content_type: opt_string(u)?,
        },
        expected: string(u)?,
        elapsed_ms: u64::arbitrary(u)?,
    })
}

/// A whole report.json: a run header and a few verdicts, summarised by `ReportFile::new`.
pub fn arbitrary_report(u: &mut Unstructured<'_>) -> Result<ReportFile> {
    let run = RunInfo {
        harness_version: string(u)?,
        target: string(u)?,
        target_version: if bool::arbitrary(u)? {
            Some(string(u)?)
        } else {
            None
        },
        seed: u64::arbitrary(u)?,
        operations: strings(u, 3)?,
        cases: usize::arbitrary(u)?,
        started: string(u)?,
        not_implemented: Vec::new(),
        warnings: Vec::new(),
        partition: None,
    };
    let n = u.int_in_range(0..=4u8)?;
    let verdicts = (0..n)
        .map(|_| arbitrary_verdict(u))
        .collect::<Result<Vec<_>>>()?;
    let elapsed = Option::<u64>::arbitrary(u)?.map(Duration::from_millis);
    Ok(ReportFile::new(run, verdicts, elapsed))
}

/// Seeds the generator is asked for. The property is about serde, not about the values drawn:
/// two seeds give every rule's case twice over, and the arbitrary modes cover arbitrary text.
/// Each (operation, seed) costs a whole generator run (hundreds of milliseconds under ASan):
/// with 16 seeds a 30 s run spent half its time filling the cache.
pub const GENERATED_SEEDS: u64 = 2;
const GENERATED_OPS: &[&str] = &["ForgotPassword", "ConfirmForgotPassword", "AdminGetUser"];

/// Every generated case, per (operation, seed), built once on first use: no lock, no clone
/// per input.
fn generated_cases() -> &'static [Vec<Case>] {
    static ALL: OnceLock<Vec<Vec<Case>>> = OnceLock::new();
    ALL.get_or_init(|| {
        let cat = Catalogue::embedded();
        let contract = Contract::embedded(cat).expect("the embedded contract loads");
        GENERATED_OPS
            .iter()
            .flat_map(|op| (0..GENERATED_SEEDS).map(move |seed| (op, seed)))
            .map(|(op, seed)| {
                generate::cases(cat, &contract, op, Options { seed, extra: 2 })
                    .expect("the generator covers the operation")
            })
            .collect()
    })
}

/// A case from the generator: the operation and seed (of [`GENERATED_SEEDS`]) from the input,
/// two property cases added, and one of the cases picked by the input.
pub fn generated_case(u: &mut Unstructured<'_>) -> Result<&'static Case> {
    let op = u.choose_index(GENERATED_OPS.len())?;
    let seed = u64::arbitrary(u)? % GENERATED_SEEDS;
    let cases = &generated_cases()[op * GENERATED_SEEDS as usize + seed as usize];
    Ok(&cases[u.choose_index(cases.len())?])
}
