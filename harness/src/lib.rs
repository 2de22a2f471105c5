//! cognate: contract tests and fuzzing for the Amazon Cognito Identity Provider API.
//!
//! The data path is a row of stages with plain data between them:
//! [`model`] (schemas → catalogue) → [`generate`] (cases) → [`replay`] (exchanges, the only async
//! stage) → [`check`] (verdicts) → [`report`]. [`reference`](mod@reference) is the embedded target, and
//! [`target`] says where requests go and how a target is provisioned. [`scenario`] runs the
//! stateful flows (scenarios from data, property-based sequences) through the same stages, and
//! [`session`] is a whole run as one library function (`cognate run` is a thin wrapper).

pub mod check;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod dialect;
pub mod exit;
pub mod files;
pub mod generate;
pub mod issuer;
pub mod model;
pub mod netfuzz;
pub mod partition;
pub mod placeholder;
pub mod redact;
pub mod reference;
pub mod replay;
pub mod report;
pub mod scenario;
pub mod session;
pub mod skeleton;
pub mod srp;
pub mod target;
pub mod time;
pub mod tls;
pub mod totp;
