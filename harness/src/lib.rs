//! cognate: contract tests and fuzzing for the Amazon Cognito Identity Provider API.
//!
//! The data path is a row of stages with plain data between them:
//! [`model`] (schemas → catalogue) → [`generate`] (cases) → [`replay`] (exchanges, the only async
//! stage) → [`check`] (verdicts) → [`report`]. [`reference`](mod@reference) is the embedded target, and
//! [`target`] says where requests go and how a target is provisioned.

pub mod check;
pub mod cli;
pub mod dialect;
pub mod exit;
pub mod generate;
pub mod model;
pub mod netfuzz;
pub mod redact;
pub mod reference;
pub mod replay;
pub mod report;
pub mod target;
