//! Counts per operation × group, and the failing cases: everything a summary needs, built from
//! the event stream without keeping the verdicts.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Event, RunInfo, Sink};
use crate::check::{CheckOutcome, Status, Verdict};
use crate::exit::ExitCode;
use crate::generate::Rule;

/// How many cases ended in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub skip: usize,
}

impl Counts {
    pub fn add(&mut self, status: Status) {
        *self.get_mut(status) += 1;
    }

    pub fn get(&self, status: Status) -> usize {
        match status {
            Status::Pass => self.pass,
            Status::Fail => self.fail,
            Status::Error => self.error,
            Status::Skip => self.skip,
        }
    }

    fn get_mut(&mut self, status: Status) -> &mut usize {
        match status {
            Status::Pass => &mut self.pass,
            Status::Fail => &mut self.fail,
            Status::Error => &mut self.error,
            Status::Skip => &mut self.skip,
        }
    }

    pub fn total(&self) -> usize {
        self.pass + self.fail + self.error + self.skip
    }
}

/// One row of the summary table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub operation: String,
    pub group: String,
    #[serde(flatten)]
    pub counts: Counts,
}

/// A case that failed or could not be judged, as the summary keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// [`Status::Fail`] or [`Status::Error`].
    pub status: Status,
    pub case_id: String,
    pub operation: String,
    pub group: String,
    pub label: String,
    /// The verdict's reason, or the first failing check's if the verdict has none.
    pub reason: String,
}

/// The order groups appear in within an operation: `valid`, `contract`, the rules in catalogue
/// order, then anything else by name.
pub fn group_rank(group: &str) -> (usize, &str) {
    match group {
        "valid" => (0, ""),
        "contract" => (1, ""),
        g => match Rule::ALL.iter().position(|r| r.as_str() == g) {
            Some(i) => (2 + i, ""),
            None => (2 + Rule::ALL.len(), g),
        },
    }
}

/// How many failing cases a summary keeps in detail: the first ones in [`Summary::failures`]
/// order. Reports list fewer; report.json and junit.xml have every one.
pub const KEPT_FAILURES: usize = 1_000;

/// Counts per (operation, group) × status and the first [`KEPT_FAILURES`] failing cases. Memory
/// grows with the number of rows, not with the number of verdicts.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    run: Option<RunInfo>,
    counts: BTreeMap<String, BTreeMap<String, Counts>>,
    totals: Counts,
    failures: Vec<Failure>,
    skipped: BTreeMap<String, usize>,
    elapsed: Option<Duration>,
    retried: u64,
    incomplete: Option<String>,
}

impl Summary {
    pub fn new() -> Self {
        Self::default()
    }

    /// A summary of these verdicts alone (no run info, no elapsed time).
    pub fn from_verdicts<'a>(verdicts: impl IntoIterator<Item = &'a Verdict>) -> Self {
        let mut s = Self::new();
        for v in verdicts {
            s.record(v);
        }
        s
    }

    /// Counts one verdict.
    pub fn record(&mut self, v: &Verdict) {
        // Looked up before inserting: cloning the keys of every verdict was most of the cost.
        let groups = match self.counts.get_mut(&v.operation) {
            Some(groups) => groups,
            None => self.counts.entry(v.operation.clone()).or_default(),
        };
        match groups.get_mut(&v.group) {
            Some(counts) => counts.add(v.status),
            None => groups.entry(v.group.clone()).or_default().add(v.status),
        }
        self.totals.add(v.status);
        match v.status {
            Status::Pass => {}
            Status::Fail | Status::Error => {
                self.failures.push(Failure {
                    status: v.status,
                    case_id: v.case_id.clone(),
                    operation: v.operation.clone(),
                    group: v.group.clone(),
                    label: v.label.clone(),
                    reason: reason_of(v),
                });
                // Trimmed in batches, so keeping the first ones costs O(log n) a failure.
                if self.failures.len() >= 2 * KEPT_FAILURES {
                    self.failures.sort_by(failure_order);
                    self.failures.truncate(KEPT_FAILURES);
                }
            }
            Status::Skip => *self.skipped.entry(reason_of(v)).or_default() += 1,
        }
    }

    /// The run this summary is about, once [`Event::Started`] was seen.
    pub fn run(&self) -> Option<&RunInfo> {
        self.run.as_ref()
    }

    /// How long the run took, once [`Event::Done`] was seen.
    pub fn elapsed(&self) -> Option<Duration> {
        self.elapsed
    }

    /// Throttled answers the client retried, once [`Event::Done`] was seen.
    pub fn retried(&self) -> u64 {
        self.retried
    }

    /// Why the run stopped before every planned case was judged (a signal, `--deadline`), once
    /// [`Event::Done`] said so; `None` for a complete run.
    pub fn incomplete(&self) -> Option<&str> {
        self.incomplete.as_deref()
    }

    /// The line every report shows for an incomplete run: why, and how many of the planned cases
    /// were judged.
    pub fn incomplete_line(&self) -> Option<String> {
        let why = self.incomplete()?;
        let planned = self.run().map_or(0, |r| r.cases);
        Some(format!(
            "incomplete: {}",
            how_far(why, self.totals.total(), planned)
        ))
    }

    pub fn totals(&self) -> Counts {
        self.totals
    }

    /// The counts of one operation, all groups together.
    pub fn operation_totals(&self, operation: &str) -> Counts {
        let mut c = Counts::default();
        for g in self
            .counts
            .get(operation)
            .into_iter()
            .flat_map(|m| m.values())
        {
            c.pass += g.pass;
            c.fail += g.fail;
            c.error += g.error;
            c.skip += g.skip;
        }
        c
    }

    /// The operations that had verdicts, by name.
    pub fn operations(&self) -> impl Iterator<Item = &str> {
        self.counts.keys().map(String::as_str)
    }

    /// The counts of one cell, zero if no case fell in it.
    pub fn counts(&self, operation: &str, group: &str) -> Counts {
        self.counts
            .get(operation)
            .and_then(|m| m.get(group))
            .copied()
            .unwrap_or_default()
    }

    /// The rows of the table: operations by name, groups by [`group_rank`].
    pub fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        for (op, groups) in &self.counts {
            let mut gs: Vec<(&String, &Counts)> = groups.iter().collect();
            gs.sort_by(|a, b| group_rank(a.0).cmp(&group_rank(b.0)));
            rows.extend(gs.into_iter().map(|(g, c)| Row {
                operation: op.clone(),
                group: g.clone(),
                counts: *c,
            }));
        }
        rows
    }

    /// Failed and unjudged cases: failures first, then errors, each by operation and case id;
    /// the first [`KEPT_FAILURES`] of them (`totals().fail + totals().error` counts them all).
    pub fn failures(&self) -> Vec<&Failure> {
        let mut f: Vec<&Failure> = self.failures.iter().collect();
        f.sort_by(|a, b| failure_order(a, b));
        f.truncate(KEPT_FAILURES);
        f
    }

    /// Skip reasons with how many cases gave each, by reason.
    pub fn skipped(&self) -> &BTreeMap<String, usize> {
        &self.skipped
    }

    /// 4 if any case failed, else 3 if any case could not be judged (or the run stopped early),
    /// else 0. A failure dominates
    /// an error: it is a finding about the target, an error only a gap in the run.
    pub fn exit_code(&self) -> ExitCode {
        self.exit_code_with(false)
    }

    /// [`Summary::exit_code`], where with `fail_on_skip` a skip counts as a failure (4).
    pub fn exit_code_with(&self, fail_on_skip: bool) -> ExitCode {
        if self.totals.fail > 0 || (fail_on_skip && self.totals.skip > 0) {
            ExitCode::ContractFailure
        } else if self.totals.error > 0 || self.incomplete.is_some() {
            // Cases left unjudged are a gap in the run, as an error is.
            ExitCode::Runtime
        } else {
            ExitCode::Pass
        }
    }
}

impl Sink for Summary {
    fn event(&mut self, e: &Event) {
        match e {
            Event::Started(run) => self.run = Some(run.clone()),
            Event::Finished(v) => self.record(v),
            Event::Done {
                elapsed,
                retried,
                incomplete,
            } => {
                self.elapsed = Some(*elapsed);
                self.retried = *retried;
                self.incomplete = incomplete.clone();
            }
        }
    }
}

/// How far a stopped run got, in the words every report uses: `why: J of P planned cases
/// judged`.
pub(crate) fn how_far(why: &str, judged: usize, planned: usize) -> String {
    format!("{why}: {judged} of {planned} planned cases judged")
}

fn failure_order(a: &Failure, b: &Failure) -> std::cmp::Ordering {
    (a.status, &a.operation, &a.case_id, &a.group, &a.label).cmp(&(
        b.status,
        &b.operation,
        &b.case_id,
        &b.group,
        &b.label,
    ))
}

/// The verdict's reason, or for a verdict without one the first failing check (first skipped
/// check for a skip), or `no reason given`.
pub(crate) fn reason_of(v: &Verdict) -> String {
    if let Some(r) = &v.reason {
        return r.clone();
    }
    let first = v.checks.iter().find_map(|c| match &c.outcome {
        CheckOutcome::Fail(r) if v.status != Status::Skip => {
            Some(format!("{}: {r}", c.check.as_str()))
        }
        CheckOutcome::Skip(r) if v.status == Status::Skip => Some(r.clone()),
        _ => None,
    });
    first.unwrap_or_else(|| "no reason given".to_string())
}
