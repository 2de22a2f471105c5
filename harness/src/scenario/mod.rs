//! Stateful conformance: the password-recovery *flow*, not only single requests.
//!
//! - [`data`]: scenarios as data (`fixtures/scenarios/*.toml`), each a list of steps with an
//!   expectation citing the evidence table, output checks and code captures. Pure.
//! - [`codes`]: how the harness learns a confirmation code on each kind of target.
//! - [`run`]: the async runner: a scenario's users, its steps in order, one verdict per step.
//! - [`signin`]: the client side of the sign-in flows a scenario drives (SRP, TOTP).
//! - [`sequence`]: property-based sequences, checked against a small model of the contract and
//!   shrunk to a minimal failing sequence, by family: password recovery ([`model`]:
//!   ForgotPassword, ConfirmForgotPassword and InitiateAuth), user life cycles
//!   ([`lifecycle`]: the admin operations, SignUp and InitiateAuth) and sign-in sessions
//!   ([`sessions`]: sign-in, refresh, sign-out, revocation, password change, disable).
//!
//! Step verdicts go through the same report path as the stateless cases: `group` is `scenario`
//! (or `sequence`), `label` is `<scenario>: <step>`, and the case id is a stable hash of the
//! scenario and step names (for a sequence step, the sequence's id, a hash of seed and index,
//! and the step number: `<sequence id>.<n>`).

pub mod codes;
pub mod data;
pub mod lifecycle;
pub mod model;
pub mod run;
pub mod sequence;
pub mod sessions;
pub mod signin;

pub use codes::{CodeRequest, CodeSource};
pub use data::{Scenario, ScenarioError, Step};
pub use run::{run_all, run_scenario, CleanupLog, Env, StepRun, NO_CODE_SOURCE};
