//! Running scenarios against a target: each scenario gets its own users (and its own pool when
//! it asks for one), its steps go out one at a time in order, a code source is asked after a step
//! that learns a code, and every step's exchange is judged by the [`Checker`] (plus the step's
//! output checks), one [`Verdict`] per step. Scenarios run concurrently with each other
//! (one at a time when the code source asks for it, see [`CodeSource::serial`]).

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt};

use super::codes::{CodeKind, CodeRequest, CodeSource};
use super::data::{Scenario, Step};
use crate::check::{unjudged, Checker, Status, Verdict};
use crate::generate::{stable_id, Case, CaseKind, Request, JSON_1_1};
use crate::model::{Auth, Catalogue};
use crate::replay::{Client, Fill};
use crate::target::{secret_hash, Fixture, NewUser, Provisioner, TargetError};

/// The reason a step that needs a code gets on a target that cannot tell one.
pub const NO_CODE_SOURCE: &str = "no code source for this target";

/// What running scenarios needs: where to send, how to judge, the run's pool, how to learn codes.
pub struct Env<'a> {
    pub catalogue: &'a Catalogue,
    pub client: &'a Client,
    pub checker: &'a Checker,
    /// The run's pool and clients; scenario users are created in it unless a scenario asks for
    /// a pool of its own.
    pub fixture: &'a Fixture,
    pub codes: Option<&'a dyn CodeSource>,
    /// Keeps names apart when runs share a target (`s1` for seed 1).
    pub tag: &'a str,
    /// Where the deletes of what steps created report what they could not delete.
    pub cleanup: &'a CleanupLog,
    /// The target's token keys, and the `token` check of answers that hold tokens.
    pub issuer: &'a crate::issuer::Issuer,
}

/// What the deletes of created resources (rows' `creates`) did: how many went through, and what
/// could not be deleted, with why. Reported at the end of a run, never swallowed.
#[derive(Debug, Default)]
pub struct CleanupLog {
    state: std::sync::Mutex<(usize, Vec<String>)>,
}

impl CleanupLog {
    /// Sends one delete and records what came of it.
    pub async fn delete(
        &self,
        client: &Client,
        what: &str,
        request: &Request,
        fill: &dyn crate::replay::Fill,
    ) {
        let exchange = client.send("cleanup", request, fill).await;
        let failure = match &exchange.result {
            Ok(r) if r.status == 200 => None,
            Ok(r) => {
                // A credential in the answer (a token, a password) never reaches the log.
                let secrets = serde_json::from_slice(&r.body)
                    .map(|v| crate::redact::named_secrets(&v))
                    .unwrap_or_default();
                let body = crate::redact::redact(&String::from_utf8_lossy(&r.body), &secrets);
                let body: String = crate::check::one_line(&body).chars().take(160).collect();
                Some(format!("{what}: HTTP {} {body}", r.status))
            }
            Err(e) => Some(format!("{what}: {e}")),
        };
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match failure {
            None => state.0 += 1,
            Some(f) => state.1.push(f),
        }
    }

    /// How many deletes went through, and the ones that did not.
    pub fn outcome(&self) -> (usize, Vec<String>) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Env<'_> {
    /// How many scenarios (or sequences) may run at once: `wanted`, or one when the code source
    /// needs requests one at a time.
    pub fn concurrency(&self, wanted: usize) -> usize {
        if self.codes.is_some_and(|c| c.serial()) {
            1
        } else {
            wanted.max(1)
        }
    }
}

/// One user a scenario created.
#[derive(Debug, Clone)]
pub struct ScenarioUser {
    /// A kind of `fixtures/fixture.toml`.
    pub kind: String,
    pub username: String,
    pub email: String,
    pub phone: String,
}

/// The users of a scenario, named after it and the run's tag.
pub fn scenario_users(scenario: &Scenario, tag: &str) -> BTreeMap<String, ScenarioUser> {
    let h = stable_id(&["scenario users", &scenario.name]);
    let short = &h[..8];
    let digits = u64::from_str_radix(&h[8..12], 16).unwrap_or(0) % 10_000;
    scenario
        .users
        .iter()
        .map(|(key, kind)| {
            (
                key.clone(),
                ScenarioUser {
                    kind: kind.clone(),
                    username: format!("cognate-{key}-{short}-{tag}"),
                    email: format!("cognate-{key}-{short}@example.com"),
                    phone: format!("+1555555{digits:04}"),
                },
            )
        })
        .collect()
}

/// The user to create for a scenario user: attributes and state by kind
/// (`fixtures/fixture.toml`).
pub fn new_user(u: &ScenarioUser) -> NewUser {
    crate::target::fixture_spec()
        .new_user(&u.kind, &u.username, &u.email, &u.phone)
        .expect("scenario user kinds are checked when the file is loaded")
}

/// Fills a step's placeholders: the scenario's users, learned codes, captured values and fresh
/// names, then the pool's clients.
pub struct StepFill<'a> {
    pub fixture: &'a Fixture,
    pub users: &'a BTreeMap<String, ScenarioUser>,
    /// `code` (the latest) and `code.<name>`.
    pub codes: &'a BTreeMap<String, String>,
    /// Values earlier steps captured, by name.
    pub captured: &'a BTreeMap<String, String>,
    /// What makes this scenario run's fresh names its own (`fresh:<label>`).
    pub unique: &'a str,
    /// The step's computed sign-in values (`srp.*`, `totp.*`: [`super::signin::SignIn`]).
    pub computed: &'a BTreeMap<String, String>,
}

impl StepFill<'_> {
    /// A user reference (`user.a`, `email.a`, `phone.a`), or the text as a literal username.
    fn name_of(&self, r: &str) -> Option<String> {
        for (prefix, pick) in [("user.", 0usize), ("email.", 1), ("phone.", 2)] {
            if let Some(k) = r.strip_prefix(prefix) {
                let u = self.users.get(k)?;
                return Some(match pick {
                    0 => u.username.clone(),
                    1 => u.email.clone(),
                    _ => u.phone.clone(),
                });
            }
        }
        Some(r.to_owned())
    }
}

impl Fill for StepFill<'_> {
    fn fill(&self, name: &str) -> Option<String> {
        if let Some(v) = self.computed.get(name) {
            return Some(v.clone());
        }
        if name == "code" || name.starts_with("code.") {
            return self.codes.get(name).cloned();
        }
        if let Some(label) = name.strip_prefix("fresh:") {
            return Some(crate::placeholder::fresh_name(label, self.unique));
        }
        if let Some(v) = self.captured.get(name) {
            return Some(v.clone());
        }
        if name.starts_with("user.") || name.starts_with("email.") || name.starts_with("phone.") {
            return self.name_of(name);
        }
        if let Some(rest) = name.strip_prefix("secret_hash:") {
            let (client, who) = rest.split_once(':')?;
            let c = self.fixture.clients.get(client.strip_prefix("client.")?)?;
            return Some(secret_hash(
                c.secret.as_deref()?,
                &self.name_of(who)?,
                &c.id,
            ));
        }
        self.fixture.fill(name)
    }
}

/// The case a step sends.
pub fn step_case(catalogue: &Catalogue, scenario: &Scenario, step: &Step) -> Case {
    let op = catalogue.operation(&step.operation);
    Case {
        id: step.id.clone(),
        operation: step.operation.clone(),
        kind: CaseKind::Scenario,
        label: scenario.label(step),
        member: None,
        request: Request {
            target: op.map(|o| o.target.clone()),
            content_type: Some(JSON_1_1.to_owned()),
            body: serde_json::to_string(&step.request).expect("a JSON map always serialises"),
            signed: op.is_some_and(|o| o.auth == Auth::Sigv4),
            forgery: Default::default(),
        },
        expectation: step.expectation.clone(),
    }
}

/// What happened to one step, as `cognate replay` shows it.
#[derive(Debug, Clone)]
pub struct StepRun {
    pub case: Case,
    pub exchange: Option<crate::replay::Exchange>,
    pub verdict: Verdict,
}

/// Runs every scenario, at most `concurrency` at once, handing each verdict to `each` (a
/// scenario's verdicts together and in step order, scenarios in completion order).
pub async fn run_all(
    env: &Env<'_>,
    scenarios: &[Scenario],
    concurrency: usize,
    mut each: impl FnMut(Verdict),
) {
    let mut runs = stream::iter(scenarios.iter().filter(|s| !s.alone))
        .map(|s| run_scenario(env, s))
        .buffer_unordered(env.concurrency(concurrency));
    while let Some(steps) = runs.next().await {
        for s in steps {
            each(s.verdict);
        }
    }
    drop(runs);
    for scenario in scenarios.iter().filter(|s| s.alone) {
        for s in run_scenario(env, scenario).await {
            each(s.verdict);
        }
    }
}

/// Runs one scenario: its users, then its steps in order.
pub async fn run_scenario(env: &Env<'_>, scenario: &Scenario) -> Vec<StepRun> {
    let cases: Vec<Case> = scenario
        .steps
        .iter()
        .map(|st| step_case(env.catalogue, scenario, st))
        .collect();
    let provisioner = Provisioner::new(env.client);
    let users = scenario_users(scenario, env.tag);
    let own_pool = match &scenario.pool {
        None => None,
        Some(extra) => {
            let tag = format!(
                "{}-{}",
                &stable_id(&["scenario pool", &scenario.name])[..8],
                env.tag
            );
            match provisioner.provision_pool(&tag, extra).await {
                Ok(f) => Some(f),
                Err(e) => return not_set_up(&cases, &e),
            }
        }
    };
    let fixture = own_pool.as_ref().unwrap_or(env.fixture);
    let kinds = &crate::target::fixture_spec().kinds;
    for u in users
        .values()
        .filter(|u| kinds.get(&u.kind).is_none_or(|k| k.created))
    {
        if let Err(e) = provisioner
            .create_user(&fixture.pool_id, &new_user(u))
            .await
        {
            if own_pool.is_some() {
                let _ = provisioner.cleanup(fixture).await;
            }
            return not_set_up(&cases, &e);
        }
    }
    let out = run_steps(env, scenario, &cases, fixture, &users).await;
    if own_pool.is_some() {
        // A pool left behind only costs the target some memory; the verdicts stand.
        let _ = provisioner.cleanup(fixture).await;
    }
    out
}

/// Every step unjudged: the target refused a setup call (a failure: the operations it answered
/// with are ones it implements) or could not be reached (an error).
fn not_set_up(cases: &[Case], e: &TargetError) -> Vec<StepRun> {
    let status = match e {
        TargetError::Unreachable { .. } => Status::Error,
        _ => Status::Fail,
    };
    cases
        .iter()
        .map(|c| StepRun {
            case: c.clone(),
            exchange: None,
            verdict: unjudged(c, status, format!("scenario setup: {e}")),
        })
        .collect()
}

async fn run_steps(
    env: &Env<'_>,
    scenario: &Scenario,
    cases: &[Case],
    fixture: &Fixture,
    users: &BTreeMap<String, ScenarioUser>,
) -> Vec<StepRun> {
    let mut out = Vec::with_capacity(cases.len());
    let mut codes: BTreeMap<String, String> = BTreeMap::new();
    // Why a code or captured value could not be had, by placeholder name: (status for the steps
    // needing it, why).
    let mut gaps: BTreeMap<String, (Status, String)> = BTreeMap::new();
    let mut captured: BTreeMap<String, String> = BTreeMap::new();
    let unique = format!(
        "{}-{}",
        &stable_id(&["scenario fresh", &scenario.name])[..8],
        env.tag
    );
    let mut signin = super::signin::SignIn::new(&unique);
    // Once a step cannot run, the scenario's state is no longer the one its later expectations
    // describe: they get the same status (a skip only when the target lacks an operation).
    let mut blocked: Option<(Status, String)> = None;
    for (step, case) in scenario.steps.iter().zip(cases) {
        let unsent = |status, reason| StepRun {
            case: case.clone(),
            exchange: None,
            verdict: unjudged(case, status, reason),
        };
        if let Some((status, why)) = &blocked {
            out.push(unsent(*status, why.clone()));
            continue;
        }
        if let Some(why) = env.checker.lacks(&step.operation) {
            let why = format!("target does not implement {why}");
            blocked = Some((
                Status::Skip,
                format!("follows step {:?}, which could not run: {why}", step.name),
            ));
            out.push(unsent(Status::Skip, why));
            continue;
        }
        // A code or captured value the request needs and an earlier step did not provide.
        let missing = step
            .needs_codes
            .iter()
            .find(|n| !codes.contains_key(*n))
            .or_else(|| {
                step.needs_captures
                    .iter()
                    .find(|n| !captured.contains_key(*n))
            });
        if let Some(missing) = missing {
            let (status, why) = gaps.get(missing).cloned().unwrap_or((
                Status::Error,
                format!("nothing learned or captured as {{{{cognate:{missing}}}}}"),
            ));
            blocked = Some((
                status,
                format!("follows step {:?}, which could not run: {why}", step.name),
            ));
            out.push(unsent(status, why));
            continue;
        }
        let request = serde_json::Value::Object(step.request.clone());
        let computed = match signin.prepare(&request, &fixture.pool_id, &captured).await {
            Ok(c) => c,
            Err(why) => {
                // The target did not give what the flow needs (a challenge, a secret).
                blocked = Some((
                    Status::Fail,
                    format!("follows step {:?}, which could not run: {why}", step.name),
                ));
                out.push(unsent(Status::Fail, why));
                continue;
            }
        };
        let fill = StepFill {
            fixture,
            users,
            codes: &codes,
            captured: &captured,
            unique: &unique,
            computed: &computed,
        };
        let exchange = env.client.send(&case.id, &case.request, &fill).await;
        signin.observe(
            exchange
                .result
                .as_ref()
                .ok()
                .filter(|r| r.status == 200)
                .and_then(|r| serde_json::from_slice(&r.body).ok())
                .as_ref(),
        );
        let mut verdict = env.checker.check(case, &exchange);
        env.issuer
            .judge_loading(&mut verdict, &exchange, &fixture.pool_id)
            .await;
        if let Some(walk) = &step.walk {
            walk_pages(env, case, step, walk, &fill, &exchange, &mut verdict).await;
        }
        for (name, pointer) in &step.capture {
            match capture(step, &exchange, pointer) {
                Ok(value) => {
                    captured.insert(name.clone(), value);
                    gaps.remove(name);
                }
                Err(why) => {
                    captured.remove(name);
                    // The target did not give what the flow needs: the steps using it fail.
                    gaps.insert(name.clone(), (Status::Fail, why));
                }
            }
        }
        if let Some(name) = &step.learn_code {
            let learned = learn(env, fixture, users, step, &exchange).await;
            for key in ["code".to_owned(), format!("code.{name}")] {
                match &learned {
                    Ok(code) => {
                        codes.insert(key.clone(), code.clone());
                        gaps.remove(&key);
                    }
                    Err(gap) => {
                        codes.remove(&key);
                        gaps.insert(key, gap.clone());
                    }
                }
            }
        }
        out.push(StepRun {
            case: case.clone(),
            exchange: Some(exchange),
            verdict,
        });
    }
    // What the steps created goes again, newest first, whatever the verdicts were.
    let none = BTreeMap::new();
    let fill = StepFill {
        fixture,
        users,
        codes: &codes,
        captured: &captured,
        unique: &unique,
        computed: &none,
    };
    for run in out.iter().rev() {
        let answer = run
            .exchange
            .as_ref()
            .and_then(|e| e.result.as_ref().ok())
            .filter(|r| r.status == 200);
        let Some((creates, answer)) = run.case.expectation.creates.as_ref().zip(answer) else {
            continue;
        };
        if let Some(mut request) = creates.request(env.catalogue) {
            let answer = serde_json::from_slice(&answer.body).unwrap_or_default();
            crate::placeholder::fill_answer(&mut request.body, &answer);
            let what = format!(
                "{} after {:?} ({})",
                creates.operation, run.case.label, run.case.id
            );
            env.cleanup.delete(env.client, &what, &request, &fill).await;
        }
    }
    out
}

/// The most pages a walk follows: a target whose tokens never end must not hang the run.
const MAX_PAGES: usize = 1000;

/// Follows a List step's token to the last page and adds the `pagination` check: every page
/// judged like the first, no item twice, no page over the page size, no token repeated, the
/// expected keys all there (and no others, with `exactly`).
async fn walk_pages(
    env: &Env<'_>,
    case: &Case,
    step: &Step,
    walk: &super::data::Walk,
    fill: &StepFill<'_>,
    first: &crate::replay::Exchange,
    verdict: &mut Verdict,
) {
    use crate::check::{CheckName, CheckOutcome, CheckResult};
    if verdict.status != Status::Pass {
        return;
    }
    let outcome = match follow(env, case, step, walk, fill, first).await {
        Ok(()) => CheckOutcome::Pass,
        Err(why) => CheckOutcome::Fail(why),
    };
    if let CheckOutcome::Fail(why) = &outcome {
        verdict.status = Status::Fail;
        verdict.reason = Some(format!("pagination: {why}"));
    }
    verdict.checks.push(CheckResult {
        check: CheckName::Pagination,
        outcome,
    });
}

async fn follow(
    env: &Env<'_>,
    case: &Case,
    step: &Step,
    walk: &super::data::Walk,
    fill: &StepFill<'_>,
    first: &crate::replay::Exchange,
) -> Result<(), String> {
    use serde_json::Value;
    let page_size = super::data::Walk::page_size(&step.request);
    // Key → the page it was first seen on.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut tokens: Vec<String> = Vec::new();
    let mut page = first.clone();
    for n in 1..=MAX_PAGES {
        let body: Value = match &page.result {
            Ok(r) => serde_json::from_slice(&r.body)
                .map_err(|_| format!("page {n}: the body is not JSON"))?,
            Err(e) => return Err(format!("page {n}: {e}")),
        };
        let items = match body.pointer(&walk.items) {
            Some(Value::Array(items)) => items.as_slice(),
            None => &[],
            Some(_) => return Err(format!("page {n}: {} is not a list", walk.items)),
        };
        if let Some(max) = page_size.filter(|&m| items.len() as u64 > m) {
            return Err(format!(
                "page {n} holds {} items, more than the page size {max}",
                items.len()
            ));
        }
        for item in items {
            let key = match item.pointer(&walk.key) {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => return Err(format!("page {n}: an item without {}", walk.key)),
            };
            if let Some(earlier) = seen.insert(key.clone(), n) {
                return Err(format!("{key:?} is listed twice (pages {earlier} and {n})"));
            }
        }
        let token = match body.get(&walk.token) {
            Some(Value::String(t)) if !t.is_empty() => t.clone(),
            _ => return expected_keys(walk, fill, &seen, n),
        };
        if tokens.contains(&token) {
            return Err(format!(
                "page {n} gives a token an earlier page gave: the walk would never end"
            ));
        }
        tokens.push(token.clone());
        let mut request = step.request.clone();
        request.insert(walk.token.clone(), Value::String(token));
        let mut next = case.request.clone();
        next.body = serde_json::to_string(&request).expect("a JSON map always serialises");
        page = env
            .client
            .send(&format!("{}.p{}", case.id, n + 1), &next, fill)
            .await;
        let judged = env.checker.check(case, &page);
        if judged.status != Status::Pass {
            let why = judged
                .reason
                .unwrap_or_else(|| judged.status.as_str().to_owned());
            // The check's own words; which items the page holds shows in the report's exchange.
            let why = why.split("; HTTP ").next().unwrap_or_default();
            return Err(format!("page {}: {why}", n + 1));
        }
    }
    Err(format!("still a token after {MAX_PAGES} pages"))
}

/// After the last page: the keys the step expects against the ones the pages held.
fn expected_keys(
    walk: &super::data::Walk,
    fill: &StepFill<'_>,
    seen: &BTreeMap<String, usize>,
    pages: usize,
) -> Result<(), String> {
    let filled = |keys: &[String]| -> Vec<String> {
        keys.iter()
            .map(|k| crate::placeholder::fill_text(k, fill))
            .collect()
    };
    let (wanted, exact) = match (&walk.exactly, &walk.including) {
        (Some(k), _) => (filled(k), true),
        (None, Some(k)) => (filled(k), false),
        (None, None) => return Ok(()),
    };
    let missing: Vec<&String> = wanted.iter().filter(|k| !seen.contains_key(*k)).collect();
    let extra: Vec<&String> = seen
        .keys()
        .filter(|k| exact && !wanted.contains(k))
        .collect();
    if missing.is_empty() && extra.is_empty() {
        return Ok(());
    }
    let list = |v: &[&String]| {
        v.iter()
            .map(|k| format!("{k:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut why = Vec::new();
    if !missing.is_empty() {
        why.push(format!("missing {}", list(&missing)));
    }
    if !extra.is_empty() {
        why.push(format!("not expected {}", list(&extra)));
    }
    Err(format!("after {pages} page(s): {}", why.join("; ")))
}

/// The value at `pointer` of a step's success body (a string as it is, anything else as JSON),
/// or why there is none.
fn capture(
    step: &Step,
    exchange: &crate::replay::Exchange,
    pointer: &str,
) -> Result<String, String> {
    let body = match &exchange.result {
        Ok(r) if r.status == 200 => serde_json::from_slice::<serde_json::Value>(&r.body).ok(),
        _ => {
            return Err(format!(
                "step {:?} answered no success, so nothing was captured (see its verdict)",
                step.name
            ))
        }
    };
    let view = body.as_ref().map(crate::check::token::with_claims);
    match view.as_ref().and_then(|b| b.pointer(pointer)) {
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(other) => Ok(other.to_string()),
        None => Err(format!(
            "step {:?} answered without {pointer}, so nothing was captured",
            step.name
        )),
    }
}

/// The code the target sent to the step's user, or the status and reason for the steps that
/// needed it.
async fn learn(
    env: &Env<'_>,
    fixture: &Fixture,
    users: &BTreeMap<String, ScenarioUser>,
    step: &Step,
    exchange: &crate::replay::Exchange,
) -> Result<String, (Status, String)> {
    let answered = exchange.result.as_ref().ok().filter(|r| r.status == 200);
    let Some(response) = answered else {
        // The target did not do what the flow needs: the steps that need the code fail with it.
        return Err((
            Status::Fail,
            format!(
                "step {:?} answered no success, so no code was sent (see its verdict)",
                step.name
            ),
        ));
    };
    let Some(source) = env.codes else {
        // The harness, not the target, cannot go on: the run could not judge these steps.
        return Err((Status::Error, NO_CODE_SOURCE.to_owned()));
    };
    let user = step
        .user
        .as_ref()
        .and_then(|k| users.get(k))
        .map(|u| u.username.as_str())
        .unwrap_or_default();
    source
        .code(CodeRequest {
            pool_id: &fixture.pool_id,
            username: user,
            kind: CodeKind::of(&step.operation),
            response: Some(response),
        })
        .await
        .map_err(|e| {
            (
                Status::Error,
                format!("code source {}: {e}", source.describe()),
            )
        })
}
