//! Sign-in sessions as property-based sequences: random interleavings of signing in,
//! refreshing, using an access token, signing out (the user's own and the admin's), revoking a
//! refresh token, changing the password, disabling and enabling, over one user, against a
//! model ([`Tokens`]) that predicts which of the user's tokens still work. The [`Sessions`]
//! family runs them through the driver of [`super::sequence`]: seeded, shrunk to the shortest
//! failing sequence, replayable by id. Every answer that holds tokens also gets the `token`
//! check: a refresh that loses its sign-in's `origin_jti` fails its step, though the sequence
//! goes on (the model judges which tokens work, as `judge` says).
//!
//! Evidence rows cited are in `aws-behaviour-ops.md` (§6 InitiateAuth, §7 tokens, §11 "Tokens and
//! sign-in"). Where the evidence leaves an answer open the model allows every candidate.

use std::collections::BTreeSet;
use std::fmt;

use futures::future::BoxFuture;
use futures::FutureExt;
use proptest::prelude::*;
use serde_json::{json, Value};

use super::model::Prediction;
use super::run::{Env, StepRun};
use super::sequence::{judge, step_case, At, Attempt, Family, MAX_LEN};
use crate::check::{unjudged, Status};
use crate::replay::NoFill;
use crate::target::{NewUser, Provisioner, USER_PASSWORD};

const NAE: &str = "NotAuthorizedException";

/// One step; `Session(n)` names the n-th sign-in of the sequence (modulo how many there were).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Move {
    /// InitiateAuth USER_PASSWORD_AUTH with the current password: a new session.
    SignIn,
    /// InitiateAuth REFRESH_TOKEN_AUTH with a session's refresh token.
    Refresh(u8),
    /// GetUser with a session's latest access token.
    Use(u8),
    /// GlobalSignOut with a session's latest access token.
    SignOut(u8),
    /// AdminUserGlobalSignOut.
    AdminSignOut,
    /// RevokeToken with a session's refresh token.
    Revoke(u8),
    /// ChangePassword with a session's latest access token, to a new password.
    ChangePassword(u8),
    Disable,
    Enable,
}

impl Move {
    pub fn operation(self) -> &'static str {
        match self {
            Move::SignIn | Move::Refresh(_) => "InitiateAuth",
            Move::Use(_) => "GetUser",
            Move::SignOut(_) => "GlobalSignOut",
            Move::AdminSignOut => "AdminUserGlobalSignOut",
            Move::Revoke(_) => "RevokeToken",
            Move::ChangePassword(_) => "ChangePassword",
            Move::Disable => "AdminDisableUser",
            Move::Enable => "AdminEnableUser",
        }
    }

    fn session(self) -> Option<u8> {
        match self {
            Move::Refresh(s)
            | Move::Use(s)
            | Move::SignOut(s)
            | Move::Revoke(s)
            | Move::ChangePassword(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for Move {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Move::SignIn => write!(f, "sign in"),
            Move::Refresh(s) => write!(f, "refresh session {s}"),
            Move::Use(s) => write!(f, "GetUser with session {s}'s access token"),
            Move::SignOut(s) => write!(f, "GlobalSignOut with session {s}'s access token"),
            Move::AdminSignOut => write!(f, "AdminUserGlobalSignOut"),
            Move::Revoke(s) => write!(f, "RevokeToken of session {s}'s refresh token"),
            Move::ChangePassword(s) => write!(f, "ChangePassword with session {s}'s access token"),
            Move::Disable => write!(f, "AdminDisableUser"),
            Move::Enable => write!(f, "AdminEnableUser"),
        }
    }
}

/// What the model knows of one session's tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Session {
    /// The latest access token still works.
    access: bool,
    refresh: bool,
}

/// The model: the user's flag and password, and which tokens work.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    disabled: bool,
    /// How many times the password changed.
    password: usize,
    sessions: Vec<Session>,
}

fn allow(success: bool, errors: &[&'static str], evidence: &str) -> Prediction {
    Prediction {
        success,
        errors: errors.iter().copied().collect::<BTreeSet<_>>(),
        evidence: evidence.to_owned(),
    }
}

impl Tokens {
    /// The session a move names: the n-th of those so far, if there is one.
    fn pick(&self, n: u8) -> Option<usize> {
        (!self.sessions.is_empty()).then(|| n as usize % self.sessions.len())
    }

    pub fn predict(&self, m: Move) -> Prediction {
        let session = m
            .session()
            .and_then(|n| self.pick(n))
            .map(|i| self.sessions[i]);
        let refused = |e: &str| allow(false, &[NAE], e);
        match (m, session) {
            (Move::SignIn, _) if self.disabled => {
                refused("ops §4 AdminDisableUser: Later sign-in (conf. A)")
            }
            (Move::SignIn, _) => allow(
                true,
                &[],
                "ops §6 InitiateAuth: USER_PASSWORD_AUTH success (conf. A)",
            ),
            // No session yet: the step sends a string that is no token.
            (Move::Refresh(_), None) => {
                refused("ops §6 InitiateAuth: Refresh token not valid (conf. A)")
            }
            (Move::Revoke(_), None) => allow(
                false,
                &[
                    "UnsupportedTokenTypeException",
                    "InvalidParameterException",
                    NAE,
                ],
                "ops §7 RevokeToken: Declared errors (conf. C for a string that is no token)",
            ),
            (_, None) if m.session().is_some() => {
                refused("ops §5 GetUser: token that isn't a valid access token (conf. B)")
            }
            (Move::Refresh(_), Some(s)) if !s.refresh => refused(
                "ops §6 InitiateAuth: Refresh token revoked (conf. A); ops §7 GlobalSignOut, \
                 RevokeToken; ops §4 AdminDisableUser: Existing tokens (conf. B)",
            ),
            (Move::Refresh(_), Some(_)) => allow(
                true,
                &[],
                "ops §6 InitiateAuth: REFRESH_TOKEN_AUTH (conf. A)",
            ),
            (Move::Use(_) | Move::SignOut(_) | Move::ChangePassword(_), Some(s)) if !s.access => {
                refused(
                    "ops §7 GlobalSignOut: Same access token used again (conf. A); ops §11 \
                     Tokens: RevokeToken, AdminDisableUser revoke access tokens (conf. B)",
                )
            }
            (Move::Use(_), Some(_)) => allow(true, &[], "ops §5 GetUser: Success (conf. B)"),
            (Move::SignOut(_), Some(_)) => {
                allow(true, &[], "ops §7 GlobalSignOut: Success (conf. B)")
            }
            (Move::ChangePassword(_), Some(_)) => {
                allow(true, &[], "ops §5 ChangePassword: Success (conf. B)")
            }
            // Revoking a token revoked already: RFC 7009 answers success; AWS is not known.
            (Move::Revoke(_), Some(s)) if !s.refresh => allow(
                true,
                &[
                    "UnsupportedTokenTypeException",
                    "InvalidParameterException",
                    NAE,
                ],
                "ops §7 RevokeToken: Declared errors (conf. C for a revoked token)",
            ),
            (Move::Revoke(_), Some(_)) => {
                allow(true, &[], "ops §7 RevokeToken: Success `{}` (conf. B)")
            }
            (Move::AdminSignOut, _) => allow(
                true,
                &[],
                "ops §4 AdminUserGlobalSignOut: Success `{}` (conf. B)",
            ),
            (Move::Disable, _) => allow(true, &[], "ops §4 AdminDisableUser: Success (conf. B)"),
            (Move::Enable, _) => allow(true, &[], "ops §4 AdminEnableUser: Success (conf. B)"),
            _ => allow(false, &[], "unreachable"),
        }
    }

    /// The state after a step that answered `success`.
    pub fn observe(&mut self, m: Move, success: bool) {
        if !success {
            return;
        }
        let picked = m.session().and_then(|n| self.pick(n));
        let revoke_all = |sessions: &mut Vec<Session>| {
            for s in sessions.iter_mut() {
                *s = Session {
                    access: false,
                    refresh: false,
                }
            }
        };
        match (m, picked) {
            (Move::SignIn, _) => self.sessions.push(Session {
                access: true,
                refresh: true,
            }),
            (Move::Refresh(_), Some(i)) => self.sessions[i].access = true,
            (Move::SignOut(_), _) | (Move::AdminSignOut, _) => revoke_all(&mut self.sessions),
            (Move::Revoke(_), Some(i)) => {
                self.sessions[i] = Session {
                    access: false,
                    refresh: false,
                }
            }
            (Move::ChangePassword(_), _) => self.password += 1,
            (Move::Disable, _) => {
                self.disabled = true;
                // Model AdminDisableUser: its access tokens revoked; §4: and refresh tokens.
                revoke_all(&mut self.sessions);
            }
            (Move::Enable, _) => self.disabled = false,
            _ => {}
        }
    }
}

/// The strategy of one step: uses of tokens often, so that what each change did is seen.
pub fn step() -> impl Strategy<Value = Move> {
    let s = any::<u8>();
    prop_oneof![
        3 => Just(Move::SignIn),
        2 => s.prop_map(Move::Refresh),
        3 => s.prop_map(Move::Use),
        1 => s.prop_map(Move::SignOut),
        1 => Just(Move::AdminSignOut),
        1 => s.prop_map(Move::Revoke),
        1 => s.prop_map(Move::ChangePassword),
        1 => Just(Move::Disable),
        1 => Just(Move::Enable),
    ]
}

/// Sign-in session sequences.
pub struct Sessions;

impl Family for Sessions {
    type Action = Move;
    const NAME: &'static str = "session";
    const OPERATIONS: &'static [&'static str] = &[
        "InitiateAuth",
        "GetUser",
        "GlobalSignOut",
        "AdminUserGlobalSignOut",
        "RevokeToken",
        "ChangePassword",
        "AdminDisableUser",
        "AdminEnableUser",
    ];
    /// Without these a sequence cannot sign in or use a token; a step of any other operation
    /// the target lacks is skipped (and changes nothing in the model).
    const REQUIRED: &'static [&'static str] = &["InitiateAuth", "GetUser"];
    const NEEDS_CODES: bool = false;
    const HEAD: &'static str = "InitiateAuth";

    fn sequence() -> BoxedStrategy<Vec<Move>> {
        proptest::collection::vec(step(), 1..=MAX_LEN).boxed()
    }

    fn execute<'a>(
        env: &'a Env<'a>,
        at: At<'a>,
        actions: &'a [Move],
    ) -> BoxFuture<'a, Attempt<Move>> {
        execute(env, at, actions).boxed()
    }
}

fn password_text(n: usize) -> String {
    if n == 0 {
        USER_PASSWORD.to_owned()
    } else {
        format!("Cognate-Session{n}!")
    }
}

/// The tokens a session holds on the wire.
#[derive(Debug, Clone, Default)]
struct Held {
    access: String,
    refresh: String,
}

/// A step's request.
fn body(env: &Env<'_>, m: Move, username: &str, model: &Tokens, held: &[Held]) -> Value {
    let pool = &env.fixture.pool_id;
    let client = env
        .fixture
        .clients
        .get("legacy")
        .map(|c| c.id.clone())
        .unwrap_or_default();
    let held = m
        .session()
        .and_then(|n| model.pick(n))
        .and_then(|i| held.get(i))
        .cloned()
        .unwrap_or(Held {
            access: "cognate-no-session".into(),
            refresh: "cognate-no-session".into(),
        });
    match m {
        Move::SignIn => json!({
            "ClientId": client,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": username, "PASSWORD": password_text(model.password)},
        }),
        Move::Refresh(_) => json!({
            "ClientId": client,
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": {"REFRESH_TOKEN": held.refresh},
        }),
        Move::Use(_) | Move::SignOut(_) => json!({"AccessToken": held.access}),
        Move::Revoke(_) => json!({"ClientId": client, "Token": held.refresh}),
        Move::ChangePassword(_) => json!({
            "AccessToken": held.access,
            "PreviousPassword": password_text(model.password),
            "ProposedPassword": password_text(model.password + 1),
        }),
        Move::AdminSignOut | Move::Disable | Move::Enable => {
            json!({"UserPoolId": pool, "Username": username})
        }
    }
}

/// One run of `moves` on a user of its own (`at.attempt` keeps the names apart), in the run's
/// pool.
async fn execute(env: &Env<'_>, at: At<'_>, moves: &[Move]) -> Attempt<Move> {
    let mut out = Attempt::new(moves);
    let username = format!("cognate-t{}-{}-{}", at.index, at.attempt, env.tag);
    let setup = NewUser {
        username: username.clone(),
        attributes: vec![("email".into(), format!("cognate-t{}@example.com", at.index))],
        confirmed: true,
        disabled: false,
    };
    if let Err(e) = Provisioner::new(env.client)
        .create_user(&env.fixture.pool_id, &setup)
        .await
    {
        let case = step_case(env, at, 0, "AdminCreateUser", "setup", "setup");
        let status = match e {
            crate::target::TargetError::Unreachable { .. } => Status::Error,
            _ => Status::Fail,
        };
        let why = format!("sequence setup: {e}");
        out.record(
            StepRun {
                verdict: unjudged(&case, status, why),
                case,
                exchange: None,
            },
            status,
        );
        return out;
    }
    let mut model = Tokens::default();
    let mut held: Vec<Held> = Vec::new();
    for (i, &m) in moves.iter().enumerate() {
        let prediction = model.predict(m);
        let label = format!(
            "{} {} [{}]: {}. {m}",
            Sessions::NAME,
            at.index,
            at.id,
            i + 1
        );
        let mut case = step_case(env, at, i, m.operation(), &prediction.evidence, &label);
        case.request.body = body(env, m, &username, &model, &held).to_string();
        if let Some(why) = env.checker.lacks(m.operation()) {
            let mut verdict = unjudged(
                &case,
                Status::Skip,
                format!("target does not implement {why}"),
            );
            verdict.expected = prediction.describe();
            out.steps.push(StepRun {
                case,
                exchange: None,
                verdict,
            });
            continue;
        }
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
        if success {
            let answer: Value = exchange
                .result
                .as_ref()
                .ok()
                .and_then(|r| serde_json::from_slice(&r.body).ok())
                .unwrap_or(Value::Null);
            let token = |k: &str| {
                answer
                    .pointer(&format!("/AuthenticationResult/{k}"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            match m {
                Move::SignIn => held.push(Held {
                    access: token("AccessToken").unwrap_or_default(),
                    refresh: token("RefreshToken").unwrap_or_default(),
                }),
                Move::Refresh(n) => {
                    if let (Some(i), Some(a)) = (model.pick(n), token("AccessToken")) {
                        held[i].access = a;
                    }
                }
                _ => {}
            }
        }
        let run = StepRun {
            case,
            exchange: Some(exchange),
            verdict,
        };
        if !out.record(run, status) {
            return out;
        }
        model.observe(m, success);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(model: &mut Tokens, moves: &[Move]) -> Vec<Prediction> {
        moves
            .iter()
            .map(|&m| {
                let p = model.predict(m);
                model.observe(m, p.success);
                p
            })
            .collect()
    }

    #[test]
    fn what_each_change_does_to_the_tokens() {
        let mut model = Tokens::default();
        let p = run(
            &mut model,
            &[
                Move::Use(0),
                Move::SignIn,
                Move::SignIn,
                Move::Use(1),
                Move::Revoke(1),
                Move::Use(1),
                Move::Refresh(1),
                Move::Use(0),
                Move::Refresh(0),
                Move::SignOut(0),
                Move::Use(0),
                Move::Refresh(0),
                Move::SignIn,
                Move::ChangePassword(2),
                Move::Disable,
                Move::SignIn,
                Move::Use(2),
                Move::Enable,
                Move::Refresh(2),
                Move::SignIn,
            ],
        );
        let ok: Vec<bool> = p.iter().map(|p| p.success).collect();
        assert_eq!(
            ok,
            [
                false, true, true, true, true, false, false, true, true, true, false, false, true,
                true, true, false, false, true, false, true
            ]
        );
        assert_eq!(model.password, 1);
    }

    #[test]
    fn moves_read_well() {
        assert_eq!(Move::Refresh(2).to_string(), "refresh session 2");
        assert_eq!(Move::Refresh(2).operation(), "InitiateAuth");
    }
}
