//! `cognate merge`: the `report.json` of a run's CI shards (`--partition hash:K/N`) joined into
//! one run, whose events then feed every report as a run's would. Pure: the caller reads the
//! files and writes the reports.

use std::collections::BTreeSet;
use std::time::Duration;

use super::{Event, NamedReport, RunInfo};
use crate::check::Verdict;

/// The shards as one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub run: RunInfo,
    pub verdicts: Vec<Verdict>,
    /// The longest shard's wall time: the shards ran side by side.
    pub elapsed: Option<Duration>,
    pub retried: u64,
    /// Each incomplete shard's reason, by shard.
    pub incomplete: Option<String>,
}

impl Merged {
    /// The run as the event stream a run emits.
    pub fn events(self) -> impl Iterator<Item = Event> {
        let done = Event::Done {
            elapsed: self.elapsed.unwrap_or_default(),
            retried: self.retried,
            incomplete: self.incomplete,
        };
        std::iter::once(Event::Started(self.run))
            .chain(self.verdicts.into_iter().map(Event::Finished))
            .chain(std::iter::once(done))
    }
}

/// Why shards cannot be merged; each names the report at fault.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MergeError {
    #[error("no report to merge")]
    Empty,
    #[error("{0} was not run with --partition: only the shards of one run merge")]
    NotSharded(String),
    #[error("{name} is shard {partition}, but {first} says {expected} shards")]
    Total {
        name: String,
        partition: String,
        first: String,
        expected: u64,
    },
    #[error("{name} and {other} are both shard {partition}")]
    Twice {
        name: String,
        other: String,
        partition: String,
    },
    #[error("shard(s) {missing} of {total} are missing: a merge of some shards is not the run")]
    Missing { missing: String, total: u64 },
    #[error("{name} is another run than {first}: its {what} differs ({theirs:?}, not {ours:?})")]
    OtherRun {
        name: String,
        first: String,
        what: &'static str,
        theirs: String,
        ours: String,
    },
    #[error("case {case_id} is in both {name} and {other}")]
    Overlap {
        case_id: String,
        name: String,
        other: String,
    },
}

/// Joins the shards of one run: every shard of `N` once, the same target, seed, selection and
/// harness. Verdicts keep file order (operation, then case id).
pub fn merge(shards: Vec<NamedReport>) -> Result<Merged, MergeError> {
    let first = shards.first().ok_or(MergeError::Empty)?;
    let first_name = first.name.clone();
    let base = first.report.run.clone();
    let partition_of = |r: &NamedReport| -> Result<crate::partition::Partition, MergeError> {
        r.report
            .run
            .partition
            .as_deref()
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| MergeError::NotSharded(r.name.clone()))
    };
    let total = partition_of(first)?.total;
    let mut seen: Vec<Option<String>> = vec![None; total as usize];
    for r in &shards {
        let p = partition_of(r)?;
        if p.total != total {
            return Err(MergeError::Total {
                name: r.name.clone(),
                partition: p.to_string(),
                first: first_name.clone(),
                expected: total,
            });
        }
        if let Some(other) = &seen[(p.shard - 1) as usize] {
            return Err(MergeError::Twice {
                name: r.name.clone(),
                other: other.clone(),
                partition: p.to_string(),
            });
        }
        seen[(p.shard - 1) as usize] = Some(r.name.clone());
        let run = &r.report.run;
        let differs = |what: &'static str, theirs: String, ours: String| {
            (theirs != ours).then(|| MergeError::OtherRun {
                name: r.name.clone(),
                first: first_name.clone(),
                what,
                theirs,
                ours,
            })
        };
        let checks = [
            differs("target", run.target.clone(), base.target.clone()),
            differs("seed", run.seed.to_string(), base.seed.to_string()),
            differs(
                "harness version",
                run.harness_version.clone(),
                base.harness_version.clone(),
            ),
            differs(
                "operations",
                run.operations.join(","),
                base.operations.join(","),
            ),
        ];
        if let Some(e) = checks.into_iter().flatten().next() {
            return Err(e);
        }
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing {
            missing: missing.join(", "),
            total,
        });
    }

    let mut run = base;
    run.partition = None;
    run.cases = shards.iter().map(|r| r.report.run.cases).sum();
    run.started = shards
        .iter()
        .map(|r| r.report.run.started.clone())
        .min()
        .unwrap_or_default();
    let union = |f: fn(&RunInfo) -> &Vec<String>| -> Vec<String> {
        let set: BTreeSet<&String> = shards.iter().flat_map(|r| f(&r.report.run)).collect();
        set.into_iter().cloned().collect()
    };
    run.not_implemented = union(|r| &r.not_implemented);
    run.warnings = union(|r| &r.warnings);
    let elapsed = shards
        .iter()
        .filter_map(|r| r.report.elapsed_ms)
        .max()
        .map(Duration::from_millis);
    let retried = shards.iter().map(|r| r.report.retried).sum();
    let incomplete: Vec<String> = shards
        .iter()
        .filter_map(|r| {
            let why = r.report.incomplete.as_deref()?;
            let p = r.report.run.partition.as_deref().unwrap_or_default();
            Some(format!("shard {p}: {why}"))
        })
        .collect();

    let mut owner: std::collections::HashMap<String, String> = Default::default();
    let mut verdicts = Vec::new();
    for r in shards {
        for v in r.report.verdicts {
            if let Some(other) = owner.insert(v.case_id.clone(), r.name.clone()) {
                // One case's steps share nothing across shards: a scenario, a sequence runs
                // whole in one; the same id twice means a shard was given twice or overlaps.
                if other != r.name {
                    return Err(MergeError::Overlap {
                        case_id: v.case_id,
                        name: r.name,
                        other,
                    });
                }
            }
            verdicts.push(v);
        }
    }
    verdicts.sort_by(super::verdict_order);
    Ok(Merged {
        run,
        verdicts,
        elapsed,
        retried,
        incomplete: (!incomplete.is_empty()).then(|| incomplete.join("; ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Observed, Status};
    use crate::report::ReportFile;

    fn verdict(id: &str, op: &str) -> Verdict {
        Verdict {
            case_id: id.into(),
            operation: op.into(),
            group: "valid".into(),
            label: id.into(),
            status: Status::Pass,
            reason: None,
            checks: Vec::new(),
            observed: Observed::default(),
            expected: "success (200)".into(),
            elapsed_ms: 1,
        }
    }

    fn shard(k: u64, n: u64, ids: &[&str]) -> NamedReport {
        let run = RunInfo {
            harness_version: "0.1.0".into(),
            target: "reference".into(),
            target_version: None,
            seed: 1,
            operations: vec!["ForgotPassword".into()],
            cases: ids.len(),
            started: format!("2026-12-06T10:00:0{k}Z"),
            not_implemented: Vec::new(),
            warnings: Vec::new(),
            partition: Some(format!("hash:{k}/{n}")),
        };
        let verdicts = ids.iter().map(|i| verdict(i, "ForgotPassword")).collect();
        NamedReport {
            name: format!("shard{k}"),
            report: ReportFile::new(run, verdicts, Some(Duration::from_millis(100 * k))),
        }
    }

    #[test]
    fn every_shard_once_gives_the_whole_run() {
        let m = merge(vec![shard(2, 2, &["b", "d"]), shard(1, 2, &["c", "a"])]).unwrap();
        let ids: Vec<&str> = m.verdicts.iter().map(|v| v.case_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c", "d"]);
        assert_eq!(m.run.cases, 4);
        assert_eq!(m.run.partition, None);
        assert_eq!(m.run.started, "2026-12-06T10:00:01Z");
        assert_eq!(m.elapsed, Some(Duration::from_millis(200)));
        assert_eq!(m.incomplete, None);
        assert_eq!(m.events().count(), 6);
    }

    #[test]
    fn a_missing_a_doubled_or_a_foreign_shard_is_refused() {
        assert_eq!(
            merge(vec![shard(1, 3, &["a"]), shard(3, 3, &["b"])]),
            Err(MergeError::Missing {
                missing: "2".into(),
                total: 3
            })
        );
        assert!(matches!(
            merge(vec![shard(1, 2, &["a"]), shard(1, 2, &["b"])]),
            Err(MergeError::Twice { .. })
        ));
        assert!(matches!(
            merge(vec![shard(1, 2, &["a"]), shard(2, 3, &["b"])]),
            Err(MergeError::Total { .. })
        ));
        let mut other = shard(2, 2, &["b"]);
        other.report.run.seed = 7;
        assert!(matches!(
            merge(vec![shard(1, 2, &["a"]), other]),
            Err(MergeError::OtherRun { what: "seed", .. })
        ));
        assert!(matches!(
            merge(vec![shard(1, 2, &["a"]), shard(2, 2, &["a"])]),
            Err(MergeError::Overlap { .. })
        ));
        let mut plain = shard(1, 1, &["a"]);
        plain.report.run.partition = None;
        assert_eq!(
            merge(vec![plain]),
            Err(MergeError::NotSharded("shard1".into()))
        );
        assert_eq!(merge(Vec::new()), Err(MergeError::Empty));
    }

    #[test]
    fn an_incomplete_shard_makes_the_merge_incomplete() {
        let mut s2 = shard(2, 2, &["b"]);
        s2.report.incomplete = Some("interrupted (SIGINT)".into());
        let m = merge(vec![shard(1, 2, &["a"]), s2]).unwrap();
        assert_eq!(
            m.incomplete.as_deref(),
            Some("shard hash:2/2: interrupted (SIGINT)")
        );
    }
}
