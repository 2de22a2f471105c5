//! The one exit-code table (DESIGN §8). Every way the `cognate` binary ends maps to one of these,
//! and [`ExitCode::table`] is the text README and `--help` show.
//!
//! | code | name | meaning |
//! |---|---|---|
//! | 0 | `Pass` | every case passed or was skipped |
//! | 1 | `Usage` | the command line is wrong |
//! | 2 | `BadInput` | a config file, schema or fixture could not be read or is invalid |
//! | 3 | `Runtime` | the run could not judge some cases (target unreachable, timeouts) and none failed |
//! | 4 | `ContractFailure` | at least one case broke the contract (or, with `--fail-on-skip`, was skipped) |
//! | 5 | `SnapshotDrift` | the target's answers differ from the committed snapshots |
//! | 130 | `Interrupted` | SIGINT or SIGTERM: the run stopped, wrote its reports marked incomplete, deleted its resources |
//!
//! A contract failure outranks a runtime error: a run with both ends with 4, because a failure is
//! a finding about the target while an error only says some cases went unjudged.

use std::fmt;

/// How a `cognate` run ends, as a process exit status. See the module docs for the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(i32)]
pub enum ExitCode {
    /// 0: every case passed or was skipped.
    Pass = 0,
    /// 1: the command line is wrong (unknown flag, missing argument).
    Usage = 1,
    /// 2: bad input: a config file, schema or fixture could not be read or is invalid.
    BadInput = 2,
    /// 3: runtime: some cases could not be judged (target unreachable, timeouts) and none failed.
    Runtime = 3,
    /// 4: at least one case broke the contract.
    ContractFailure = 4,
    /// 5: the target's answers differ from the committed snapshots.
    SnapshotDrift = 5,
    /// 130 (128 + SIGINT, as shells report it): interrupted by SIGINT or SIGTERM; the reports
    /// were written, marked incomplete, and what the run created was deleted.
    Interrupted = 130,
}

const TABLE: &str = "\
Exit codes:
  0  pass              every case passed or was skipped
  1  usage             the command line is wrong
  2  bad input         a config file, schema or fixture is unreadable or invalid
  3  runtime           some cases could not be judged (target unreachable, timeout), none failed
  4  contract failure  at least one case broke the contract
  5  snapshot drift    the target's answers differ from the committed snapshots
  130  interrupted     SIGINT or SIGTERM: reports written (incomplete), what the run created deleted
";

impl ExitCode {
    /// Every code, in numeric order.
    pub const ALL: [ExitCode; 7] = [
        ExitCode::Pass,
        ExitCode::Usage,
        ExitCode::BadInput,
        ExitCode::Runtime,
        ExitCode::ContractFailure,
        ExitCode::SnapshotDrift,
        ExitCode::Interrupted,
    ];

    /// The process exit status.
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The short name used in [`ExitCode::table`] and in the terminal summary.
    pub fn name(self) -> &'static str {
        match self {
            ExitCode::Pass => "pass",
            ExitCode::Usage => "usage",
            ExitCode::BadInput => "bad input",
            ExitCode::Runtime => "runtime",
            ExitCode::ContractFailure => "contract failure",
            ExitCode::SnapshotDrift => "snapshot drift",
            ExitCode::Interrupted => "interrupted",
        }
    }

    /// The table as plain text, for README and clap's `after_help`.
    pub fn table() -> &'static str {
        TABLE
    }
}

impl fmt::Display for ExitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(c: ExitCode) -> Self {
        // Every code is in 0..=255, so the narrowing is exact.
        std::process::ExitCode::from(c.code() as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_design() {
        let codes: Vec<i32> = ExitCode::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 130]);
    }

    #[test]
    fn table_lists_every_code_once_in_order() {
        let rows: Vec<&str> = ExitCode::table().lines().skip(1).collect();
        assert_eq!(rows.len(), ExitCode::ALL.len());
        for (row, code) in rows.iter().zip(ExitCode::ALL) {
            let expected = format!("  {}  {}", code.code(), code.name());
            assert!(
                row.starts_with(&expected),
                "{row:?} should start with {expected:?}"
            );
            assert!(row.len() <= 100, "keep --help rows short: {row:?}");
        }
    }
}
