//! Property-based sequences, by [`Family`]: random interleavings of a family's steps over users
//! of their own, each step judged against the family model's prediction. This file holds the
//! driver every family shares and the password-recovery family ([`Recovery`]: ForgotPassword,
//! ConfirmForgotPassword and InitiateAuth over two users, against [`Model`]); the user life
//! cycles are [`super::lifecycle`]. A failing sequence is shrunk with proptest's own shrinking,
//! re-running each candidate against the target on fresh users (bounded in runs and time), and
//! the minimal failing sequence's steps are what the report shows. Sequence `k` of seed `s` is the same on every run, so
//! `cognate replay <sequence-id> --seed s` re-runs (and re-shrinks) it.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use futures::stream::{self, StreamExt};
use futures::FutureExt;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::{json, Map, Value};

use super::model::{
    Action, ClientChoice, CodeChoice, CodeRef, Model, NewPassword, Outcome, SignInPassword, Weak,
    Who,
};
use super::run::{Env, StepRun, NO_CODE_SOURCE};
use super::CodeRequest;
use crate::check::unjudged;
use crate::check::Status;
use crate::generate::{
    stable_id, values, Case, CaseKind, Expectation, Expected, Request, JSON_1_1,
};
use crate::model::Auth;
use crate::replay::NoFill;
use crate::target::{secret_hash, NewUser, Provisioner, USER_PASSWORD};

/// The longest sequence generated.
pub const MAX_LEN: usize = 12;

/// A family of sequences: what its steps are, and how one run of them goes out and is judged
/// against the family's model. [`Recovery`] (this file) and
/// [`LifeCycle`](super::lifecycle::LifeCycle).
pub trait Family: Sync + 'static {
    type Action: Clone + std::fmt::Debug + PartialEq + Send + Sync + 'static;
    /// What ids and labels call one of its sequences (`sequence`, `life cycle`); part of every
    /// id, so the same seed gives the same ids.
    const NAME: &'static str;
    /// The operations its steps use: it runs when all of them are selected.
    const OPERATIONS: &'static [&'static str];
    /// The operations a target must have for the family to run there at all (else every
    /// sequence is one skip); a family whose steps can do without the others skips just those
    /// steps on a target that lacks them.
    const REQUIRED: &'static [&'static str] = Self::OPERATIONS;
    /// Whether its model needs the codes the target sends (without a code source every
    /// sequence is one error).
    const NEEDS_CODES: bool;
    /// The operation a sequence as a whole is reported under (its skip or error).
    const HEAD: &'static str;

    /// The strategy of a whole sequence: 1 to [`MAX_LEN`] steps.
    fn sequence() -> BoxedStrategy<Vec<Self::Action>>;

    /// One run of `actions` on fresh users (`at.attempt` keeps their names apart).
    fn execute<'a>(
        env: &'a Env<'a>,
        at: At<'a>,
        actions: &'a [Self::Action],
    ) -> BoxFuture<'a, Attempt<Self::Action>>;
}

/// Which run of which sequence: its id, seed and index, and the attempt (0 the first, then one
/// per shrinking re-run).
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    pub id: &'a str,
    pub seed: u64,
    pub index: usize,
    pub attempt: usize,
}

/// How many sequences, from which seed, and how hard to shrink.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub count: usize,
    pub seed: u64,
    /// Re-runs a shrink may make.
    pub shrink_runs: usize,
    /// Time a shrink may take.
    pub shrink_time: Duration,
    /// The CI shard this run is: only the sequences whose ids it keeps run.
    pub partition: Option<crate::partition::Partition>,
}

impl Config {
    pub fn new(count: usize, seed: u64) -> Self {
        Config {
            count,
            seed,
            shrink_runs: 64,
            shrink_time: Duration::from_secs(30),
            partition: None,
        }
    }

    /// The indices of the sequences this run has: all `count`, or its shard's.
    pub fn indices<F: Family>(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.count).filter(move |&i| {
            self.partition
                .is_none_or(|p| p.keeps(&sequence_id::<F>(self.seed, i)))
        })
    }

    /// How many step verdicts this run's sequences plan (see [`planned`]).
    pub fn planned<F: Family>(&self) -> usize {
        self.indices::<F>()
            .map(|i| generate::<F>(self.seed, i).len())
            .sum()
    }
}

/// The strategy of one recovery step.
pub fn action() -> impl Strategy<Value = Action> {
    let who = prop_oneof![Just(Who::A), Just(Who::B)];
    let client = prop_oneof![Just(ClientChoice::Legacy), Just(ClientChoice::Secret)];
    let code = prop_oneof![
        Just(CodeChoice::Right),
        Just(CodeChoice::Wrong),
        Just(CodeChoice::Stale)
    ];
    let password = prop_oneof![
        4 => Just(NewPassword::Good),
        1 => prop_oneof![
            Just(Weak::Short),
            Just(Weak::NoUpper),
            Just(Weak::NoLower),
            Just(Weak::NoNumber),
            Just(Weak::NoSymbol)
        ]
        .prop_map(NewPassword::Weak),
    ];
    let sign_in = prop_oneof![
        Just(SignInPassword::Current),
        Just(SignInPassword::Previous),
        Just(SignInPassword::Never)
    ];
    prop_oneof![
        3 => (who.clone(), client.clone())
            .prop_map(|(user, client)| Action::Forgot { user, client }),
        4 => (who.clone(), client.clone(), code, password).prop_map(
            |(user, client, code, password)| Action::Confirm { user, client, code, password }
        ),
        2 => (who, client, sign_in)
            .prop_map(|(user, client, password)| Action::SignIn { user, client, password }),
    ]
}

/// Password recovery: random interleavings of ForgotPassword, ConfirmForgotPassword and
/// InitiateAuth over two users, against [`Model`].
pub struct Recovery;

impl Family for Recovery {
    type Action = Action;
    const NAME: &'static str = "sequence";
    const OPERATIONS: &'static [&'static str] =
        &["ForgotPassword", "ConfirmForgotPassword", "InitiateAuth"];
    const NEEDS_CODES: bool = true;
    const HEAD: &'static str = "ConfirmForgotPassword";

    fn sequence() -> BoxedStrategy<Vec<Action>> {
        proptest::collection::vec(action(), 1..=MAX_LEN).boxed()
    }

    fn execute<'a>(
        env: &'a Env<'a>,
        at: At<'a>,
        actions: &'a [Action],
    ) -> BoxFuture<'a, Attempt<Action>> {
        execute(env, at, actions).boxed()
    }
}

fn tree<F: Family>(seed: u64, index: usize) -> impl ValueTree<Value = Vec<F::Action>> {
    let mut runner = values::runner(seed, &[F::NAME, &index.to_string()]);
    F::sequence()
        .new_tree(&mut runner)
        .expect("a vector of unfiltered values never rejects")
}

/// Sequence `index` of `seed`, as generated (before any shrinking).
pub fn generate<F: Family>(seed: u64, index: usize) -> Vec<F::Action> {
    tree::<F>(seed, index).current()
}

/// The id of sequence `index` of `seed`: what reports print and `cognate replay` takes.
pub fn sequence_id<F: Family>(seed: u64, index: usize) -> String {
    stable_id(&[F::NAME, &seed.to_string(), &index.to_string()])
}

/// The case id of step `i` (0-based) of a sequence as it ran: `<sequence id>.<step number>`, so
/// that `cognate replay` finds the sequence from any of its steps.
pub fn step_id(sequence_id: &str, i: usize) -> String {
    format!("{sequence_id}.{}", i + 1)
}

/// The index of the sequence with this id (or the id of one of its steps) among the first
/// `limit` of `seed`.
pub fn find<F: Family>(seed: u64, id: &str, limit: usize) -> Option<usize> {
    let id = id.split_once('.').map_or(id, |(s, _)| s);
    (0..limit).find(|&i| sequence_id::<F>(seed, i) == id)
}

/// Steps the first `count` sequences of `seed` plan, for the run's case count.
pub fn planned<F: Family>(seed: u64, count: usize) -> usize {
    (0..count).map(|i| generate::<F>(seed, i).len()).sum()
}

/// How a sequence ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    Passed,
    /// A step broke the contract (its index).
    Failed(usize),
    /// The run could not go on: no answer, no code, users not created.
    Stopped(Status, String),
}

/// One run of a sequence.
#[derive(Debug, Clone)]
pub struct Attempt<A> {
    pub actions: Vec<A>,
    /// The steps that ran, up to the one that ended the run.
    pub steps: Vec<StepRun>,
    pub end: End,
}

impl<A: Clone> Attempt<A> {
    /// A run of `actions` about to start: no step yet.
    pub fn new(actions: &[A]) -> Self {
        Attempt {
            actions: actions.to_vec(),
            steps: Vec::new(),
            end: End::Passed,
        }
    }

    /// Records a step that went out with the status the sequence goes on with, and says
    /// whether it goes on: a failure ends the run as failed at this step, anything else but a
    /// pass as stopped, for the step's reason.
    pub fn record(&mut self, run: StepRun, status: Status) -> bool {
        let at = self.steps.len();
        let why = run.verdict.reason.clone().unwrap_or_default();
        self.steps.push(run);
        match status {
            Status::Pass => return true,
            Status::Fail => self.end = End::Failed(at),
            other => self.end = End::Stopped(other, why),
        }
        false
    }
}

/// A sequence's outcome: the run that counts (the minimal failing one after shrinking).
#[derive(Debug, Clone)]
pub struct SequenceRun<A> {
    pub id: String,
    pub index: usize,
    pub generated: usize,
    pub attempt: Attempt<A>,
    /// Re-runs made while shrinking.
    pub shrink_runs: usize,
}

/// Runs `cfg.count` sequences of a family, at most `concurrency` at once, handing each step's
/// verdict to `each`. On a target that lacks one of their operations every sequence is one
/// skip; without a code source, when the model needs codes, one error (the run cannot judge).
pub async fn run_all<F: Family>(
    env: &Env<'_>,
    cfg: Config,
    concurrency: usize,
    mut each: impl FnMut(crate::check::Verdict),
) {
    let lacking = F::REQUIRED.iter().find_map(|op| {
        env.checker
            .lacks(op)
            .map(|why| format!("target does not implement {why}"))
    });
    let unrunnable = match (lacking, env.codes) {
        (Some(why), _) => Some((Status::Skip, why)),
        (None, None) if F::NEEDS_CODES => Some((Status::Error, NO_CODE_SOURCE.to_owned())),
        _ => None,
    };
    if let Some((status, why)) = unrunnable {
        for index in cfg.indices::<F>() {
            each(unjudged(
                &whole_case::<F>(cfg.seed, index),
                status,
                why.clone(),
            ));
        }
        return;
    }
    let indices: Vec<usize> = cfg.indices::<F>().collect();
    let mut runs = stream::iter(indices)
        .map(|index| run_sequence::<F>(env, cfg, index))
        .buffer_unordered(env.concurrency(concurrency));
    while let Some(run) = runs.next().await {
        for s in verdicts(&run, cfg.seed) {
            each(s);
        }
    }
}

/// The verdicts a sequence reports: its steps; a failure says how it was shrunk and how to
/// replay it.
pub fn verdicts<A>(run: &SequenceRun<A>, seed: u64) -> Vec<crate::check::Verdict> {
    let mut out: Vec<_> = run
        .attempt
        .steps
        .iter()
        .map(|s| s.verdict.clone())
        .collect();
    if let End::Failed(at) = run.attempt.end {
        if let Some(v) = out.get_mut(at) {
            let note = format!(
                " [sequence {} shrunk from {} to {} steps in {} runs; replay: cognate replay {} --seed {seed}]",
                run.id,
                run.generated,
                at + 1,
                run.shrink_runs,
                run.id
            );
            v.reason = Some(v.reason.clone().unwrap_or_default() + &note);
        }
    }
    out
}

/// A stand-in case for a sequence as a whole (its skip when there is no code source).
fn whole_case<F: Family>(seed: u64, index: usize) -> Case {
    let id = sequence_id::<F>(seed, index);
    Case {
        id: id.clone(),
        operation: F::HEAD.into(),
        kind: CaseKind::Sequence,
        label: format!("{} {index} [{id}]", F::NAME),
        member: None,
        request: Request {
            target: None,
            content_type: None,
            body: String::new(),
            signed: false,
            forgery: Default::default(),
        },
        expectation: Expectation::new(Expected::Success, "model"),
    }
}

/// Runs sequence `index` of a family and, when it fails, shrinks it.
pub async fn run_sequence<F: Family>(
    env: &Env<'_>,
    cfg: Config,
    index: usize,
) -> SequenceRun<F::Action> {
    let id = sequence_id::<F>(cfg.seed, index);
    let mut tree = tree::<F>(cfg.seed, index);
    let first = tree.current();
    let generated = first.len();
    let at = |attempt| At {
        id: &id,
        seed: cfg.seed,
        index,
        attempt,
    };
    let mut best = F::execute(env, at(0), &first).await;
    let mut runs = 0;
    if matches!(best.end, End::Failed(_)) && tree.simplify() {
        let deadline = Instant::now() + cfg.shrink_time;
        while runs < cfg.shrink_runs && Instant::now() < deadline {
            runs += 1;
            let candidate = tree.current();
            let a = F::execute(env, at(runs), &candidate).await;
            if matches!(a.end, End::Failed(_)) {
                best = a;
                if !tree.simplify() {
                    break;
                }
            } else if !tree.complicate() {
                break;
            }
        }
    }
    SequenceRun {
        id,
        index,
        generated,
        attempt: best,
        shrink_runs: runs,
    }
}

/// Judges one step that went out: against the allowed outcome of the kind that came back, so
/// every other check (status, envelope, shape, redaction) applies as for any case; then the
/// status the sequence goes on with. The sequence follows the model: it fails where an outcome
/// is not one the model allows (or no answer came); envelope, shape, redaction and token
/// findings stay in the step's verdict without ending the sequence, as the stateless cases and
/// scenarios cover them.
pub async fn judge(
    env: &Env<'_>,
    case: &mut Case,
    exchange: &crate::replay::Exchange,
    success_allowed: bool,
    errors: &BTreeSet<&'static str>,
    expected: String,
) -> (crate::check::Verdict, Status, bool) {
    let success = exchange
        .result
        .as_ref()
        .is_ok_and(|r| (200..300).contains(&r.status));
    case.expectation.expected = if (success && success_allowed) || errors.is_empty() {
        Expected::Success
    } else {
        Expected::Error {
            exceptions: errors.iter().map(|e| e.to_string()).collect(),
            status: 400,
        }
    };
    let mut verdict = env.checker.check(case, exchange);
    env.issuer
        .judge_loading(&mut verdict, exchange, &env.fixture.pool_id)
        .await;
    verdict.expected = expected;
    let status = match verdict.status {
        Status::Fail if !model_failure(&verdict) => Status::Pass,
        s => s,
    };
    (verdict, status, success)
}

/// The case of one sequence step, its body still empty.
pub fn step_case(
    env: &Env<'_>,
    at: At<'_>,
    i: usize,
    operation: &str,
    evidence: &str,
    label: &str,
) -> Case {
    let op = env.catalogue.operation(operation);
    Case {
        id: step_id(at.id, i),
        operation: operation.to_owned(),
        kind: CaseKind::Sequence,
        label: label.to_owned(),
        member: None,
        request: Request {
            target: op.map(|o| o.target.clone()),
            content_type: Some(JSON_1_1.to_owned()),
            body: String::new(),
            signed: op.is_some_and(|o| o.auth == Auth::Sigv4),
            forgery: Default::default(),
        },
        expectation: Expectation::new(Expected::Success, evidence.to_owned()),
    }
}

/// The password number `n` stands for (0 is the users' first password).
fn password_text(n: Option<usize>) -> String {
    match n {
        Some(0) => USER_PASSWORD.to_owned(),
        Some(n) => format!("Cognate-Seq{n}!"),
        None => "Cognate-Never-0!".to_owned(),
    }
}

/// One run of recovery `actions` on two fresh users (`attempt` keeps their names apart).
async fn execute(env: &Env<'_>, at: At<'_>, actions: &[Action]) -> Attempt<Action> {
    let At {
        id, index, attempt, ..
    } = at;
    let mut out = Attempt::new(actions);
    let provisioner = Provisioner::new(env.client);
    let usernames: Vec<String> = Who::ALL
        .iter()
        .map(|w| format!("cognate-q{index}-{attempt}-{}-{}", w.key(), env.tag))
        .collect();
    for (w, name) in Who::ALL.iter().zip(&usernames) {
        let email = format!("cognate-q{index}-{}@example.com", w.key());
        let user = NewUser {
            username: name.clone(),
            attributes: vec![
                ("email".into(), email),
                ("email_verified".into(), "true".into()),
            ],
            confirmed: true,
            disabled: false,
        };
        if let Err(e) = provisioner.create_user(&env.fixture.pool_id, &user).await {
            out.end = End::Stopped(Status::Error, format!("sequence setup: {e}"));
            return out;
        }
    }
    let mut model = Model::default();
    // Learned codes by user and issue number: the code, or why it could not be learned.
    let mut codes: [Vec<Result<String, String>>; 2] = [Vec::new(), Vec::new()];
    for (i, action) in actions.iter().enumerate() {
        let prediction = model.predict(action);
        let who = action.user();
        let username = &usernames[who.index()];
        let (client_id, secret) = match env.fixture.clients.get(action.client().key()) {
            Some(c) => (c.id.clone(), c.secret.clone()),
            None => (String::new(), None),
        };
        let hash = secret
            .as_deref()
            .map(|s| secret_hash(s, username, &client_id));
        let mut body = Map::new();
        body.insert("ClientId".into(), json!(client_id));
        match *action {
            Action::Forgot { .. } => {
                body.insert("Username".into(), json!(username));
            }
            Action::Confirm { code, password, .. } => {
                let code = match model.code_for(who, code) {
                    CodeRef::Wrong => format!("cognate-wrong-{}", i + 1),
                    CodeRef::Issued(n) => match codes[who.index()].get(n) {
                        Some(Ok(c)) => c.clone(),
                        Some(Err(why)) => {
                            let label = format!(
                                "sequence {index} [{id}]: {}. {}",
                                i + 1,
                                model.describe(action)
                            );
                            let case = step_case(
                                env,
                                at,
                                i,
                                action.operation(),
                                &prediction.evidence,
                                &label,
                            );
                            let mut verdict = unjudged(&case, Status::Error, why.clone());
                            verdict.expected = prediction.describe();
                            out.steps.push(StepRun {
                                case,
                                exchange: None,
                                verdict,
                            });
                            out.end = End::Stopped(Status::Error, why.clone());
                            return out;
                        }
                        None => format!("cognate-wrong-{}", i + 1),
                    },
                };
                let password = match password {
                    NewPassword::Good => password_text(Some(i + 1)),
                    NewPassword::Weak(w) => w.password().to_owned(),
                };
                body.insert("Username".into(), json!(username));
                body.insert("ConfirmationCode".into(), json!(code));
                body.insert("Password".into(), json!(password));
            }
            Action::SignIn { password, .. } => {
                let mut params = Map::new();
                params.insert("USERNAME".into(), json!(username));
                params.insert(
                    "PASSWORD".into(),
                    json!(password_text(model.sign_in_password(who, password))),
                );
                if let Some(h) = &hash {
                    params.insert("SECRET_HASH".into(), json!(h));
                }
                body.insert("AuthFlow".into(), json!("USER_PASSWORD_AUTH"));
                body.insert("AuthParameters".into(), Value::Object(params));
            }
        }
        if let (Some(h), false) = (&hash, matches!(action, Action::SignIn { .. })) {
            body.insert("SecretHash".into(), json!(h));
        }
        let label = format!(
            "sequence {index} [{id}]: {}. {}",
            i + 1,
            model.describe(action)
        );
        let mut case = step_case(env, at, i, action.operation(), &prediction.evidence, &label);
        case.request.body = Value::Object(body).to_string();
        let exchange = env.client.send(&case.id, &case.request, &NoFill).await;
        let (verdict, status, success) = judge(
            env,
            &mut case,
            &exchange,
            prediction.success,
            &prediction.errors,
            prediction.describe(),
        )
        .await;
        let outcome = if success {
            Outcome::Success
        } else {
            Outcome::Error(verdict.observed.exception.clone().unwrap_or_default())
        };
        let response = exchange.result.as_ref().ok().cloned();
        let run = StepRun {
            case,
            exchange: Some(exchange),
            verdict,
        };
        if !out.record(run, status) {
            return out;
        }
        model.observe(action, &outcome, i + 1);
        if matches!(action, Action::Forgot { .. }) && outcome == Outcome::Success {
            let learned = match env.codes {
                None => Err(NO_CODE_SOURCE.to_owned()),
                Some(source) => source
                    .code(CodeRequest {
                        pool_id: &env.fixture.pool_id,
                        username,
                        kind: super::codes::CodeKind::Confirmation,
                        response: response.as_ref(),
                    })
                    .await
                    .map_err(|e| format!("code source {}: {e}", source.describe())),
            };
            codes[who.index()].push(learned);
        }
    }
    out
}

/// Whether a failed verdict fails one of the checks the model speaks to: an answer, no server
/// error, the status, the exception, and the values a model predicts (`output`).
fn model_failure(v: &crate::check::Verdict) -> bool {
    use crate::check::{CheckName, CheckOutcome};
    v.checks.iter().any(|c| {
        matches!(c.outcome, CheckOutcome::Fail(_))
            && matches!(
                c.check,
                CheckName::Transport
                    | CheckName::NoServerError
                    | CheckName::Status
                    | CheckName::Exception
                    | CheckName::Output
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_are_seeded() {
        type R = Recovery;
        assert_eq!(generate::<R>(1, 0), generate::<R>(1, 0));
        let all: Vec<_> = (0..10).map(|i| generate::<R>(1, i)).collect();
        assert!(all.iter().all(|s| (1..=MAX_LEN).contains(&s.len())));
        assert_ne!(all[0], all[1]);
        assert_ne!(generate::<R>(1, 0), generate::<R>(2, 0));
        let id = sequence_id::<R>(1, 7);
        assert_eq!(find::<R>(1, &id, 10), Some(7));
        assert_eq!(find::<R>(1, &step_id(&id, 2), 10), Some(7));
        assert_eq!(step_id(&id, 0), format!("{id}.1"));
        assert_eq!(find::<R>(2, &id, 10), None);
        assert_eq!(planned::<R>(1, 10), all.iter().map(Vec::len).sum::<usize>());
    }

    #[test]
    fn every_kind_of_step_is_drawn() {
        let steps: Vec<Action> = (0..40).flat_map(|i| generate::<Recovery>(3, i)).collect();
        for op in ["ForgotPassword", "ConfirmForgotPassword", "InitiateAuth"] {
            assert!(steps.iter().any(|a| a.operation() == op), "{op}");
        }
        assert!(steps.iter().any(|a| matches!(
            a,
            Action::Confirm {
                password: NewPassword::Weak(_),
                ..
            }
        )));
    }
}
