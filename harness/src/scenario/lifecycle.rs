//! User life cycles as property-based sequences: random interleavings of creating, signing up,
//! confirming, disabling, enabling, setting and resetting the password, changing the e-mail,
//! deleting, reading back and signing in, over one user, against a model ([`Life`]) that
//! predicts each answer and the user's status, `Enabled` flag and e-mail verification. The
//! [`LifeCycle`] family runs them through the driver of [`super::sequence`]: seeded, shrunk to
//! the shortest failing sequence, replayable by id.
//!
//! Evidence rows cited are in `aws-behaviour-ops.md` (§4 admin operations, §5 SignUp, §6
//! InitiateAuth). Where the evidence leaves an answer open the model allows every candidate
//! and follows the target's choice.

use std::collections::BTreeSet;
use std::fmt;

use futures::future::BoxFuture;
use futures::FutureExt;
use proptest::prelude::*;
use serde_json::{json, Value};

use super::model::Prediction;
use super::run::Env;
use super::sequence::{judge, step_case, At, Attempt, Family, MAX_LEN};
use crate::check::{unjudged, CheckName, CheckOutcome, CheckResult, Status};
use crate::replay::NoFill;
use crate::target::USER_PASSWORD;

/// One step of a life cycle; every step is about the sequence's one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// AdminCreateUser (MessageAction SUPPRESS, a temporary password, a verified e-mail).
    Create,
    /// SignUp through the LEGACY client, with an e-mail.
    SignUp,
    /// AdminConfirmSignUp.
    Confirm,
    Disable,
    Enable,
    /// AdminSetUserPassword, permanent or not.
    SetPassword {
        permanent: bool,
    },
    /// AdminResetUserPassword.
    Reset,
    Delete,
    /// AdminUpdateUserAttributes with a new e-mail, marked verified in the same call or not.
    ChangeEmail {
        verified: bool,
    },
    /// AdminGetUser: status, Enabled and e-mail verification as the model says.
    Get,
    /// ListUsers filtered on the username: the same, as the listing shows them.
    List,
    /// InitiateAuth (USER_PASSWORD_AUTH) with the current password.
    SignIn,
}

impl Step {
    pub fn operation(self) -> &'static str {
        match self {
            Step::Create => "AdminCreateUser",
            Step::SignUp => "SignUp",
            Step::Confirm => "AdminConfirmSignUp",
            Step::Disable => "AdminDisableUser",
            Step::Enable => "AdminEnableUser",
            Step::SetPassword { .. } => "AdminSetUserPassword",
            Step::Reset => "AdminResetUserPassword",
            Step::Delete => "AdminDeleteUser",
            Step::ChangeEmail { .. } => "AdminUpdateUserAttributes",
            Step::Get => "AdminGetUser",
            Step::List => "ListUsers",
            Step::SignIn => "InitiateAuth",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::SetPassword { permanent: true } => write!(f, "AdminSetUserPassword(permanent)"),
            Step::SetPassword { permanent: false } => {
                write!(f, "AdminSetUserPassword(temporary)")
            }
            Step::ChangeEmail { verified: true } => {
                write!(f, "AdminUpdateUserAttributes(new e-mail, verified)")
            }
            Step::ChangeEmail { verified: false } => {
                write!(f, "AdminUpdateUserAttributes(new e-mail)")
            }
            other => write!(f, "{}", other.operation()),
        }
    }
}

/// UserStatusType values a life cycle reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    Unconfirmed,
    Confirmed,
    ForceChangePassword,
    ResetRequired,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Unconfirmed => "UNCONFIRMED",
            UserStatus::Confirmed => "CONFIRMED",
            UserStatus::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
            UserStatus::ResetRequired => "RESET_REQUIRED",
        }
    }
}

/// The model's view of the user while it exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserState {
    pub status: UserStatus,
    pub enabled: bool,
    pub email_verified: bool,
    /// The current password: 0 is the first, n the one step n set.
    pub password: usize,
    /// The current e-mail address: 0 the first, n the one step n set.
    pub email: usize,
}

/// What a read-back (AdminGetUser, ListUsers) must show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    pub status: UserStatus,
    pub enabled: bool,
    /// Checked by AdminGetUser only (ListUsers is asked for no attributes).
    pub email_verified: Option<bool>,
}

/// The model: the user, once it exists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Life {
    pub user: Option<UserState>,
}

/// A step's prediction: the allowed outcomes, and what a read-back shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifePrediction {
    pub outcome: Prediction,
    /// For Get and List: the state the answer must show (`None`: no user listed).
    pub shows: Option<Option<Shown>>,
}

fn predicted(success: bool, errors: &[&'static str], evidence: &[&str]) -> Prediction {
    Prediction {
        success,
        errors: errors.iter().copied().collect::<BTreeSet<_>>(),
        evidence: format!("model: {}", evidence.join("; ")),
    }
}

const UNF: &str = "UserNotFoundException";
const NAE: &str = "NotAuthorizedException";

impl Life {
    /// What the target may answer to `step` now.
    pub fn predict(&self, step: Step) -> LifePrediction {
        let mut shows = None;
        let outcome = match (step, self.user) {
            (Step::Create, None) => predicted(
                true,
                &[],
                &["ops §4 AdminCreateUser: Success, FORCE_CHANGE_PASSWORD (conf. A)"],
            ),
            (Step::SignUp, None) => predicted(
                true,
                &[],
                &["ops §5 SignUp: Success, UserConfirmed false (conf. A)"],
            ),
            (Step::Create | Step::SignUp, Some(_)) => predicted(
                false,
                &["UsernameExistsException"],
                &["ops §4 AdminCreateUser: Username already in the pool (conf. B); ops §5 SignUp: Username already taken (conf. A)"],
            ),
            (Step::List, None) => {
                shows = Some(None);
                predicted(true, &[], &["ops §4 ListUsers: Filter grammar (conf. B)"])
            }
            (Step::SignIn, None) => predicted(
                false,
                &[UNF],
                &["ops §0 Unknown user (conf. A)"],
            ),
            (_, None) => predicted(false, &[UNF], &["ops §0 Unknown user (conf. A)"]),
            (Step::Confirm, Some(u)) => {
                if u.status == UserStatus::Unconfirmed {
                    predicted(
                        true,
                        &[],
                        &["ops §4 AdminConfirmSignUp: UNCONFIRMED user created by SignUp (conf. A)"],
                    )
                } else {
                    predicted(
                        false,
                        &[NAE],
                        &["ops §4 AdminConfirmSignUp: User already CONFIRMED (conf. C)"],
                    )
                }
            }
            (Step::Disable | Step::Enable, Some(_)) => predicted(
                true,
                &[],
                &["ops §4 AdminDisableUser / AdminEnableUser: Success (conf. B)"],
            ),
            (Step::SetPassword { .. }, Some(_)) => predicted(
                true,
                &[],
                &["ops §4 AdminSetUserPassword: Permanent true / false (conf. A/B)"],
            ),
            (Step::Reset, Some(u)) => {
                let mut errors = Vec::new();
                let mut evidence = Vec::new();
                if !u.enabled {
                    errors.push(NAE);
                    evidence.push("ops §4 AdminResetUserPassword: Disabled user (conf. B)");
                }
                if matches!(
                    u.status,
                    UserStatus::ForceChangePassword | UserStatus::Unconfirmed
                ) {
                    errors.push(NAE);
                    evidence.push(
                        "ops §4 AdminResetUserPassword: User in FORCE_CHANGE_PASSWORD (conf. B; UNCONFIRMED by analogy, conf. C)",
                    );
                }
                if !u.email_verified {
                    errors.push("InvalidParameterException");
                    evidence.push(
                        "ops §4 AdminResetUserPassword: No verified email or phone (conf. C)",
                    );
                }
                if errors.is_empty() {
                    predicted(
                        true,
                        &[],
                        &["ops §4 AdminResetUserPassword: Effect, RESET_REQUIRED (conf. B)"],
                    )
                } else {
                    // Which refusal comes first when several apply is undocumented.
                    predicted(false, &errors, &evidence)
                }
            }
            (Step::Delete, Some(_)) => {
                predicted(true, &[], &["ops §4 AdminDeleteUser: Success (conf. B)"])
            }
            (Step::ChangeEmail { .. }, Some(_)) => predicted(
                true,
                &[],
                &["ops §4 AdminUpdateUserAttributes: Email changed but not verified (conf. A)"],
            ),
            (Step::Get, Some(u)) => {
                shows = Some(Some(Shown {
                    status: u.status,
                    enabled: u.enabled,
                    email_verified: Some(u.email_verified),
                }));
                predicted(
                    true,
                    &[],
                    &["ops §4 AdminGetUser: Output members, UserStatus enum (conf. B)"],
                )
            }
            (Step::List, Some(u)) => {
                shows = Some(Some(Shown {
                    status: u.status,
                    enabled: u.enabled,
                    email_verified: None,
                }));
                predicted(true, &[], &["ops §4 ListUsers: Filter grammar (conf. B)"])
            }
            (Step::SignIn, Some(u)) => {
                let mut errors = Vec::new();
                let mut evidence = Vec::new();
                if !u.enabled {
                    errors.push(NAE);
                    evidence.push("ops §4 AdminDisableUser: Later sign-in (conf. A)");
                }
                match u.status {
                    UserStatus::Unconfirmed => {
                        errors.push("UserNotConfirmedException");
                        evidence.push("ops §6 InitiateAuth: Unconfirmed user (conf. A)");
                    }
                    UserStatus::ResetRequired => {
                        errors.push("PasswordResetRequiredException");
                        evidence.push("ops §4 AdminResetUserPassword: Effect (conf. B); PasswordResetRequiredException declared (conf. C)");
                    }
                    UserStatus::Confirmed | UserStatus::ForceChangePassword => {}
                }
                if errors.is_empty() {
                    predicted(
                        true,
                        &[],
                        &["aws-behaviour.md §4 successful InitiateAuth (conf. B); NEW_PASSWORD_REQUIRED for FORCE_CHANGE_PASSWORD (ops §4 AdminSetUserPassword, conf. B)"],
                    )
                } else {
                    predicted(false, &errors, &evidence)
                }
            }
        };
        LifePrediction { outcome, shows }
    }

    /// Follows a success (an error changes nothing). `step_no` numbers the password or e-mail a
    /// step sets.
    pub fn observe(&mut self, step: Step, success: bool, step_no: usize) {
        if !success {
            return;
        }
        let fresh = |status, email_verified| UserState {
            status,
            enabled: true,
            email_verified,
            password: 0,
            email: 0,
        };
        match (step, self.user.as_mut()) {
            (Step::Create, None) => self.user = Some(fresh(UserStatus::ForceChangePassword, true)),
            (Step::SignUp, None) => self.user = Some(fresh(UserStatus::Unconfirmed, false)),
            (Step::Confirm, Some(u)) => u.status = UserStatus::Confirmed,
            (Step::Disable, Some(u)) => u.enabled = false,
            (Step::Enable, Some(u)) => u.enabled = true,
            (Step::SetPassword { permanent }, Some(u)) => {
                u.password = step_no;
                u.status = if permanent {
                    UserStatus::Confirmed
                } else {
                    UserStatus::ForceChangePassword
                };
            }
            (Step::Reset, Some(u)) => u.status = UserStatus::ResetRequired,
            (Step::Delete, Some(_)) => self.user = None,
            (Step::ChangeEmail { verified }, Some(u)) => {
                u.email = step_no;
                u.email_verified = verified;
            }
            _ => {}
        }
    }
}

/// The strategy of one step: reads and sign-ins often, so that what each change did is seen.
pub fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => Just(Step::Create),
        2 => Just(Step::SignUp),
        2 => Just(Step::Confirm),
        1 => Just(Step::Disable),
        1 => Just(Step::Enable),
        2 => any::<bool>().prop_map(|permanent| Step::SetPassword { permanent }),
        1 => Just(Step::Reset),
        1 => Just(Step::Delete),
        1 => any::<bool>().prop_map(|verified| Step::ChangeEmail { verified }),
        3 => Just(Step::Get),
        1 => Just(Step::List),
        2 => Just(Step::SignIn),
    ]
}

/// User life cycles.
pub struct LifeCycle;

impl Family for LifeCycle {
    type Action = Step;
    const NAME: &'static str = "life cycle";
    const OPERATIONS: &'static [&'static str] = &[
        "AdminCreateUser",
        "SignUp",
        "AdminConfirmSignUp",
        "AdminDisableUser",
        "AdminEnableUser",
        "AdminSetUserPassword",
        "AdminResetUserPassword",
        "AdminDeleteUser",
        "AdminUpdateUserAttributes",
        "AdminGetUser",
        "ListUsers",
        "InitiateAuth",
    ];
    /// Without these a life cycle cannot make its user or look at it; a step of any other
    /// operation the target lacks is skipped (and changes nothing in the model).
    const REQUIRED: &'static [&'static str] = &["AdminCreateUser", "AdminGetUser"];
    const NEEDS_CODES: bool = false;
    const HEAD: &'static str = "AdminGetUser";

    fn sequence() -> BoxedStrategy<Vec<Step>> {
        proptest::collection::vec(step(), 1..=MAX_LEN).boxed()
    }

    fn execute<'a>(
        env: &'a Env<'a>,
        at: At<'a>,
        actions: &'a [Step],
    ) -> BoxFuture<'a, Attempt<Step>> {
        execute(env, at, actions).boxed()
    }
}

fn password_text(n: usize) -> String {
    if n == 0 {
        USER_PASSWORD.to_owned()
    } else {
        format!("Cognate-Life{n}!")
    }
}

/// The request of a step for the user `username` whose e-mail is `email`.
fn body(env: &Env<'_>, step: Step, username: &str, email: &str, password: &str, i: usize) -> Value {
    let pool = &env.fixture.pool_id;
    let client = env
        .fixture
        .clients
        .get("legacy")
        .map(|c| c.id.clone())
        .unwrap_or_default();
    match step {
        Step::Create => json!({
            "UserPoolId": pool,
            "Username": username,
            "TemporaryPassword": USER_PASSWORD,
            "MessageAction": "SUPPRESS",
            "UserAttributes": [
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
            ],
        }),
        Step::SignUp => json!({
            "ClientId": client,
            "Username": username,
            "Password": USER_PASSWORD,
            "UserAttributes": [{"Name": "email", "Value": email}],
        }),
        Step::SetPassword { permanent } => json!({
            "UserPoolId": pool,
            "Username": username,
            "Password": password_text(i + 1),
            "Permanent": permanent,
        }),
        Step::ChangeEmail { verified } => {
            let mut attrs = vec![json!({"Name": "email", "Value": email})];
            if verified {
                attrs.push(json!({"Name": "email_verified", "Value": "true"}));
            }
            json!({"UserPoolId": pool, "Username": username, "UserAttributes": attrs})
        }
        Step::List => json!({
            "UserPoolId": pool,
            "Filter": format!("username = \"{username}\""),
            "AttributesToGet": [],
        }),
        Step::SignIn => json!({
            "ClientId": client,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": username, "PASSWORD": password},
        }),
        Step::Confirm | Step::Disable | Step::Enable | Step::Reset | Step::Delete | Step::Get => {
            json!({"UserPoolId": pool, "Username": username})
        }
    }
}

/// What a read-back answer shows of the user, or why it cannot be read.
fn shown_in(step: Step, body: &Value) -> Result<Option<Shown>, String> {
    let (user, attrs) = match step {
        Step::Get => (body, body.get("UserAttributes")),
        _ => match body
            .get("Users")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            Some([]) => return Ok(None),
            Some([one]) => (one, None),
            Some(many) => return Err(format!("{} users listed, expected at most one", many.len())),
            None => return Err("no Users list".into()),
        },
    };
    let status = match user.get("UserStatus").and_then(Value::as_str) {
        Some("UNCONFIRMED") => UserStatus::Unconfirmed,
        Some("CONFIRMED") => UserStatus::Confirmed,
        Some("FORCE_CHANGE_PASSWORD") => UserStatus::ForceChangePassword,
        Some("RESET_REQUIRED") => UserStatus::ResetRequired,
        other => return Err(format!("UserStatus {other:?}")),
    };
    let enabled = user
        .get("Enabled")
        .and_then(Value::as_bool)
        .ok_or("no Enabled flag")?;
    let email_verified = attrs.map(|a| {
        a.as_array().into_iter().flatten().any(|x| {
            x.get("Name").and_then(Value::as_str) == Some("email_verified")
                && x.get("Value").and_then(Value::as_str) == Some("true")
        })
    });
    Ok(Some(Shown {
        status,
        enabled,
        email_verified,
    }))
}

fn describe(s: Option<Shown>) -> String {
    match s {
        None => "no user".into(),
        Some(s) => {
            let mut out = format!(
                "{}, {}",
                s.status.as_str(),
                if s.enabled { "enabled" } else { "disabled" }
            );
            if let Some(v) = s.email_verified {
                out.push_str(if v {
                    ", e-mail verified"
                } else {
                    ", e-mail not verified"
                });
            }
            out
        }
    }
}

/// One run of `actions` on a user of its own (`at.attempt` keeps the names apart), in the run's
/// pool.
async fn execute(env: &Env<'_>, at: At<'_>, actions: &[Step]) -> Attempt<Step> {
    let mut out = Attempt::new(actions);
    let username = format!("cognate-l{}-{}-{}", at.index, at.attempt, env.tag);
    let mut life = Life::default();
    for (i, &step) in actions.iter().enumerate() {
        let prediction = life.predict(step);
        let (password, email) = match life.user {
            Some(u) => (password_text(u.password), u.email),
            None => (password_text(0), 0),
        };
        let email = match step {
            Step::ChangeEmail { .. } => format!("cognate-l{}-{}@example.com", at.index, i + 1),
            _ => format!("cognate-l{}-{email}@example.com", at.index),
        };
        let label = format!(
            "{} {} [{}]: {}. {step}",
            LifeCycle::NAME,
            at.index,
            at.id,
            i + 1
        );
        let mut case = step_case(
            env,
            at,
            i,
            step.operation(),
            &prediction.outcome.evidence,
            &label,
        );
        case.request.body = body(env, step, &username, &email, &password, i).to_string();
        if let Some(why) = env.checker.lacks(step.operation()) {
            let mut verdict = unjudged(
                &case,
                Status::Skip,
                format!("target does not implement {why}"),
            );
            verdict.expected = prediction.outcome.describe();
            out.steps.push(super::run::StepRun {
                case,
                exchange: None,
                verdict,
            });
            continue;
        }
        let exchange = env.client.send(&case.id, &case.request, &NoFill).await;
        let mut expected = prediction.outcome.describe();
        if let Some(shows) = prediction.shows {
            expected.push_str(&format!(" showing {}", describe(shows)));
        }
        let (mut verdict, mut status, success) = judge(
            env,
            &mut case,
            &exchange,
            prediction.outcome.success,
            &prediction.outcome.errors,
            expected,
        )
        .await;
        if let (Some(want), true, Status::Pass) = (prediction.shows, success, status) {
            let body: Value = exchange
                .result
                .as_ref()
                .ok()
                .and_then(|r| serde_json::from_slice(&r.body).ok())
                .unwrap_or(Value::Null);
            let outcome = match shown_in(step, &body) {
                Ok(got) if got == want => CheckOutcome::Pass,
                Ok(got) => CheckOutcome::Fail(format!(
                    "the model says {}, the answer shows {}",
                    describe(want),
                    describe(got)
                )),
                Err(why) => CheckOutcome::Fail(format!("cannot read the user: {why}")),
            };
            if let CheckOutcome::Fail(why) = &outcome {
                status = Status::Fail;
                verdict.status = Status::Fail;
                verdict.reason = Some(format!("output: {why}"));
            }
            verdict.checks.push(CheckResult {
                check: CheckName::Output,
                outcome,
            });
        }
        let run = super::run::StepRun {
            case,
            exchange: Some(exchange),
            verdict,
        };
        if !out.record(run, status) {
            return out;
        }
        life.observe(step, success, i + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(life: &mut Life, steps: &[Step]) -> Vec<LifePrediction> {
        steps
            .iter()
            .enumerate()
            .map(|(i, &s)| {
                let p = life.predict(s);
                life.observe(s, p.outcome.success, i + 1);
                p
            })
            .collect()
    }

    fn errors(p: &LifePrediction) -> Vec<&str> {
        p.outcome.errors.iter().copied().collect()
    }

    #[test]
    fn the_status_machine() {
        let mut life = Life::default();
        let p = run(
            &mut life,
            &[
                Step::Get,
                Step::SignUp,
                Step::SignIn,
                Step::Confirm,
                Step::Get,
                Step::Confirm,
                Step::SignUp,
                Step::Disable,
                Step::SignIn,
                Step::Enable,
                Step::Reset,
                Step::ChangeEmail { verified: true },
                Step::Reset,
                Step::SignIn,
                Step::SetPassword { permanent: false },
                Step::SignIn,
                Step::Delete,
                Step::List,
            ],
        );
        assert_eq!(errors(&p[0]), [UNF]);
        assert!(p[1].outcome.success);
        assert_eq!(errors(&p[2]), ["UserNotConfirmedException"]);
        assert!(p[3].outcome.success);
        assert_eq!(
            p[4].shows,
            Some(Some(Shown {
                status: UserStatus::Confirmed,
                enabled: true,
                email_verified: Some(false)
            }))
        );
        assert_eq!(errors(&p[5]), [NAE]);
        assert_eq!(errors(&p[6]), ["UsernameExistsException"]);
        assert_eq!(errors(&p[8]), [NAE]);
        // Signed up, never verified: no channel for the code.
        assert_eq!(errors(&p[10]), ["InvalidParameterException"]);
        assert!(p[12].outcome.success);
        assert_eq!(errors(&p[13]), ["PasswordResetRequiredException"]);
        assert!(
            p[15].outcome.success,
            "FORCE_CHANGE_PASSWORD signs in to a challenge"
        );
        assert_eq!(p[17].shows, Some(None));
        assert_eq!(life.user, None);
    }

    #[test]
    fn several_refusals_allow_each() {
        let mut life = Life::default();
        run(&mut life, &[Step::SignUp, Step::Disable]);
        let p = life.predict(Step::Reset);
        assert_eq!(
            errors(&p),
            ["InvalidParameterException", NAE],
            "disabled, unconfirmed and unverified"
        );
        let p = life.predict(Step::SignIn);
        assert_eq!(errors(&p), [NAE, "UserNotConfirmedException"]);
    }

    #[test]
    fn steps_read_well() {
        assert_eq!(
            Step::SetPassword { permanent: true }.to_string(),
            "AdminSetUserPassword(permanent)"
        );
        assert_eq!(Step::Get.to_string(), "AdminGetUser");
        assert_eq!(
            describe(Some(Shown {
                status: UserStatus::ResetRequired,
                enabled: false,
                email_verified: Some(true)
            })),
            "RESET_REQUIRED, disabled, e-mail verified"
        );
    }
}
