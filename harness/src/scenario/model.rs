//! A small model of the password-recovery contract, for property-based sequences: what a target
//! may answer to each step given the steps before it. Pure.
//!
//! The state is per user: the codes issued (the outstanding one, the spent ones), the current
//! and earlier passwords, and counts of refused confirmations and of ForgotPassword calls. Where
//! the evidence leaves the answer open, the model allows a set of outcomes and then follows the
//! one the target chose:
//! - a superseded or used code: ExpiredCodeException or CodeMismatchException (aws-behaviour.md
//!   §4, conf. C);
//! - whether the code or the password policy is checked first is not documented, so a weak
//!   password with a code that is not the outstanding one may also meet InvalidPasswordException;
//! - whether a refused password uses up the code is not documented: after one, the right code may
//!   meet ExpiredCodeException;
//! - the attempt limit (five refused confirmations, §4 conf. B) is counted over the whole
//!   sequence, the strictest reading: past it, LimitExceededException is allowed as well;
//! - more than five ForgotPassword calls for one user may meet LimitExceededException (§4);
//! - after five failed sign-ins, a lockout (NotAuthorizedException) is allowed for the right
//!   password too.

use std::collections::BTreeSet;
use std::fmt;

/// Refused confirmations after which the attempt limit may apply (§4 "attempt limit", conf. B).
pub const ATTEMPT_LIMIT: u32 = 5;
/// ForgotPassword calls per user after which LimitExceededException may come (§4, conf. B).
pub const FORGOT_LIMIT: u32 = 5;
/// Failed sign-ins after which a lockout may refuse the right password.
pub const SIGN_IN_LIMIT: u32 = 5;

/// One of the sequence's two users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Who {
    A,
    B,
}

impl Who {
    pub const ALL: [Who; 2] = [Who::A, Who::B];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn key(self) -> &'static str {
        match self {
            Who::A => "a",
            Who::B => "b",
        }
    }
}

/// The app client a step uses; the secret client always gets the right SecretHash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClientChoice {
    Legacy,
    Secret,
}

impl ClientChoice {
    pub fn key(self) -> &'static str {
        match self {
            ClientChoice::Legacy => "legacy",
            ClientChoice::Secret => "secret",
        }
    }
}

/// Which code a confirmation sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CodeChoice {
    /// The user's outstanding code (a wrong one when there is none).
    Right,
    /// The user's most recent spent code: superseded or used (a wrong one when there is none).
    Stale,
    /// A code the target never issued.
    Wrong,
}

/// The one pool-policy rule a weak password breaks (min 8, upper, lower, number, symbol).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Weak {
    Short,
    NoUpper,
    NoLower,
    NoNumber,
    NoSymbol,
}

impl Weak {
    pub fn password(self) -> &'static str {
        match self {
            Weak::Short => "Cg-1!ab",
            Weak::NoUpper => "cognate-passw0rd!",
            Weak::NoLower => "COGNATE-PASSW0RD!",
            Weak::NoNumber => "Cognate-Password!",
            Weak::NoSymbol => "CognatePassw0rd",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Weak::Short => "too short",
            Weak::NoUpper => "no uppercase",
            Weak::NoLower => "no lowercase",
            Weak::NoNumber => "no number",
            Weak::NoSymbol => "no symbol",
        }
    }
}

/// The new password a confirmation proposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NewPassword {
    /// A fresh one that satisfies the policy.
    Good,
    Weak(Weak),
}

/// The password a sign-in tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SignInPassword {
    /// The user's current password.
    Current,
    /// The password before the last reset (one never set when there was no reset).
    Previous,
    /// One never set.
    Never,
}

/// One step of a sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Forgot {
        user: Who,
        client: ClientChoice,
    },
    Confirm {
        user: Who,
        client: ClientChoice,
        code: CodeChoice,
        password: NewPassword,
    },
    SignIn {
        user: Who,
        client: ClientChoice,
        password: SignInPassword,
    },
}

impl Action {
    pub fn operation(&self) -> &'static str {
        match self {
            Action::Forgot { .. } => "ForgotPassword",
            Action::Confirm { .. } => "ConfirmForgotPassword",
            Action::SignIn { .. } => "InitiateAuth",
        }
    }

    pub fn user(&self) -> Who {
        match *self {
            Action::Forgot { user, .. }
            | Action::Confirm { user, .. }
            | Action::SignIn { user, .. } => user,
        }
    }

    pub fn client(&self) -> ClientChoice {
        match *self {
            Action::Forgot { client, .. }
            | Action::Confirm { client, .. }
            | Action::SignIn { client, .. } => client,
        }
    }
}

impl fmt::Display for Action {
    /// `ConfirmForgotPassword(a, secret, stale code, weak: no symbol)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (user, client) = (self.user().key(), self.client().key());
        match self {
            Action::Forgot { .. } => write!(f, "ForgotPassword({user}, {client})"),
            Action::Confirm { code, password, .. } => {
                let code = match code {
                    CodeChoice::Right => "right code",
                    CodeChoice::Stale => "stale code",
                    CodeChoice::Wrong => "wrong code",
                };
                let password = match password {
                    NewPassword::Good => "good password".to_owned(),
                    NewPassword::Weak(w) => format!("weak password: {}", w.name()),
                };
                write!(
                    f,
                    "ConfirmForgotPassword({user}, {client}, {code}, {password})"
                )
            }
            Action::SignIn { password, .. } => {
                let password = match password {
                    SignInPassword::Current => "current password",
                    SignInPassword::Previous => "previous password",
                    SignInPassword::Never => "a password never set",
                };
                write!(f, "InitiateAuth({user}, {client}, {password})")
            }
        }
    }
}

/// What a target answered, as the model reads it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    Success,
    Error(String),
}

/// The outcomes the model allows for a step, and the evidence rows it rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prediction {
    pub success: bool,
    /// Allowed exceptions, in a stable order.
    pub errors: BTreeSet<&'static str>,
    pub evidence: String,
}

impl Prediction {
    pub fn allows(&self, o: &Outcome) -> bool {
        match o {
            Outcome::Success => self.success,
            Outcome::Error(name) => self.errors.contains(name.as_str()),
        }
    }

    /// `success (200)`, `CodeMismatchException (400)`, `success (200) or LimitExceededException (400)`.
    pub fn describe(&self) -> String {
        let errors: Vec<&str> = self.errors.iter().copied().collect();
        let errors = match errors.as_slice() {
            [] => None,
            [one] => Some(format!("{one} (400)")),
            many => Some(format!("one of {} (400)", many.join(", "))),
        };
        match (self.success, errors) {
            (true, None) => "success (200)".into(),
            (true, Some(e)) => format!("success (200) or {e}"),
            (false, Some(e)) => e,
            (false, None) => "nothing (the model allows no outcome)".into(),
        }
    }
}

/// A code a step refers to: issued to the user (by issue number), or never issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRef {
    Issued(usize),
    Wrong,
}

/// The model's view of one user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserState {
    /// Codes issued so far; a code is named by its issue number.
    pub issued: usize,
    /// The outstanding code.
    pub pending: Option<usize>,
    /// A refused password may have used up the outstanding code.
    pub pending_maybe_spent: bool,
    /// Superseded and used codes, oldest first.
    pub spent: Vec<usize>,
    /// The current password: 0 is the user's first password, n the one step n set.
    pub password: usize,
    /// Earlier passwords, oldest first.
    pub previous: Vec<usize>,
    /// Refused confirmations.
    pub refused: u32,
    pub forgot_calls: u32,
    pub failed_sign_ins: u32,
}

/// The model: both users.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Model {
    pub users: [UserState; 2],
}

impl Model {
    pub fn user(&self, w: Who) -> &UserState {
        &self.users[w.index()]
    }

    /// The code a confirmation sends, resolved against the state.
    pub fn code_for(&self, w: Who, choice: CodeChoice) -> CodeRef {
        let u = self.user(w);
        match choice {
            CodeChoice::Right => u.pending.map_or(CodeRef::Wrong, CodeRef::Issued),
            CodeChoice::Stale => u
                .spent
                .last()
                .copied()
                .map_or(CodeRef::Wrong, CodeRef::Issued),
            CodeChoice::Wrong => CodeRef::Wrong,
        }
    }

    /// The password (as a password number) a sign-in tries; `None` is one never set.
    pub fn sign_in_password(&self, w: Who, choice: SignInPassword) -> Option<usize> {
        let u = self.user(w);
        match choice {
            SignInPassword::Current => Some(u.password),
            SignInPassword::Previous => u.previous.last().copied(),
            SignInPassword::Never => None,
        }
    }

    /// The action for a report, with what its choices resolve to where that is not plain:
    /// `ConfirmForgotPassword(a, legacy, right code, good password) [no code outstanding: a wrong one]`.
    pub fn describe(&self, action: &Action) -> String {
        let note = match *action {
            Action::Confirm { user, code, .. } => match (code, self.code_for(user, code)) {
                (CodeChoice::Right, CodeRef::Wrong) => Some("no code outstanding: a wrong one"),
                (CodeChoice::Stale, CodeRef::Wrong) => Some("no spent code yet: a wrong one"),
                _ => None,
            },
            Action::SignIn {
                user,
                password: SignInPassword::Previous,
                ..
            } if self.user(user).previous.is_empty() => Some("no reset yet: a password never set"),
            _ => None,
        };
        match note {
            Some(n) => format!("{action} [{n}]"),
            None => action.to_string(),
        }
    }

    /// What the target may answer to `action` now.
    pub fn predict(&self, action: &Action) -> Prediction {
        let mut p = Prediction {
            success: false,
            errors: BTreeSet::new(),
            evidence: String::new(),
        };
        let mut evidence: Vec<&str> = Vec::new();
        let u = self.user(action.user());
        match *action {
            Action::Forgot { .. } => {
                p.success = true;
                evidence.push("§4 successful ForgotPassword (verified email) (conf. A)");
                if u.forgot_calls >= FORGOT_LIMIT {
                    p.errors.insert("LimitExceededException");
                    evidence.push("§4 ForgotPassword requested many times for one user (conf. B)");
                }
            }
            Action::Confirm {
                user,
                code,
                password,
                ..
            } => {
                let weak = matches!(password, NewPassword::Weak(_));
                match self.code_for(user, code) {
                    CodeRef::Issued(i) if u.pending == Some(i) => {
                        if weak {
                            p.errors.insert("InvalidPasswordException");
                            evidence.push("§4 password breaks the pool policy (conf. A)");
                        } else {
                            p.success = true;
                            evidence.push("§4 successful ConfirmForgotPassword (conf. B)");
                        }
                        if u.pending_maybe_spent {
                            p.errors.insert("ExpiredCodeException");
                            p.errors.insert("CodeMismatchException");
                            evidence.push(
                                "a refused password may have used up the code (undocumented)",
                            );
                        }
                    }
                    CodeRef::Issued(_) => {
                        p.errors.insert("ExpiredCodeException");
                        p.errors.insert("CodeMismatchException");
                        evidence.push("§4 expired or already-used code (conf. A); ConfirmForgotPassword with a code superseded by a newer ForgotPassword (conf. C)");
                    }
                    CodeRef::Wrong => {
                        p.errors.insert("CodeMismatchException");
                        evidence.push("§4 wrong confirmation code (conf. B)");
                    }
                }
                if weak && !p.errors.contains("InvalidPasswordException") {
                    p.errors.insert("InvalidPasswordException");
                    evidence.push("§4 password breaks the pool policy (conf. A; the order of the checks is undocumented)");
                }
                if u.refused >= ATTEMPT_LIMIT {
                    p.errors.insert("LimitExceededException");
                    evidence.push("§4 attempt limit: wrong codes in a row (conf. B)");
                }
            }
            Action::SignIn { user, password, .. } => {
                if self.sign_in_password(user, password) == Some(u.password) {
                    p.success = true;
                    evidence.push("§4 successful InitiateAuth (USER_PASSWORD_AUTH, the right password) (conf. B)");
                    if u.failed_sign_ins >= SIGN_IN_LIMIT {
                        p.errors.insert("NotAuthorizedException");
                        evidence.push("a lockout after failed sign-ins (undocumented count)");
                    }
                } else {
                    p.errors.insert("NotAuthorizedException");
                    evidence.push("§4 InitiateAuth, wrong password for an existing user (conf. A)");
                }
            }
        }
        p.evidence = format!("model: {}", evidence.join("; "));
        p
    }

    /// Follows the outcome the target chose (one the prediction allowed). `step` numbers the
    /// password a successful confirmation sets.
    pub fn observe(&mut self, action: &Action, outcome: &Outcome, step: usize) {
        let right = match *action {
            Action::Confirm { user, code, .. } => {
                let r = self.code_for(user, code);
                matches!(r, CodeRef::Issued(i) if self.user(user).pending == Some(i))
            }
            _ => false,
        };
        let u = &mut self.users[action.user().index()];
        match (action, outcome) {
            (Action::Forgot { .. }, Outcome::Success) => {
                u.forgot_calls += 1;
                if let Some(old) = u.pending.take() {
                    u.spent.push(old);
                }
                u.pending = Some(u.issued);
                u.issued += 1;
                u.pending_maybe_spent = false;
            }
            (Action::Forgot { .. }, Outcome::Error(_)) => u.forgot_calls += 1,
            (Action::Confirm { .. }, Outcome::Success) => {
                if let Some(used) = u.pending.take() {
                    u.spent.push(used);
                }
                u.pending_maybe_spent = false;
                u.previous.push(u.password);
                u.password = step;
            }
            (Action::Confirm { .. }, Outcome::Error(name)) => {
                u.refused += 1;
                if right && name == "InvalidPasswordException" {
                    u.pending_maybe_spent = true;
                }
                if right && (name == "ExpiredCodeException" || name == "CodeMismatchException") {
                    // The target says the code is used up.
                    if let Some(used) = u.pending.take() {
                        u.spent.push(used);
                    }
                    u.pending_maybe_spent = false;
                }
            }
            (Action::SignIn { .. }, Outcome::Success) => {}
            (Action::SignIn { .. }, Outcome::Error(_)) => u.failed_sign_ins += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forgot(user: Who) -> Action {
        Action::Forgot {
            user,
            client: ClientChoice::Legacy,
        }
    }

    fn confirm(user: Who, code: CodeChoice, password: NewPassword) -> Action {
        Action::Confirm {
            user,
            client: ClientChoice::Legacy,
            code,
            password,
        }
    }

    fn sign_in(user: Who, password: SignInPassword) -> Action {
        Action::SignIn {
            user,
            client: ClientChoice::Secret,
            password,
        }
    }

    fn errors(p: &Prediction) -> Vec<&str> {
        p.errors.iter().copied().collect()
    }

    /// Runs actions, each observed as the model's first allowed outcome (success first).
    fn run(m: &mut Model, actions: &[Action]) -> Vec<Prediction> {
        actions
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let p = m.predict(a);
                let o = if p.success {
                    Outcome::Success
                } else {
                    Outcome::Error(p.errors.iter().next().unwrap().to_string())
                };
                m.observe(a, &o, i + 1);
                p
            })
            .collect()
    }

    #[test]
    fn the_documented_flow() {
        let mut m = Model::default();
        let p = run(
            &mut m,
            &[
                confirm(Who::A, CodeChoice::Right, NewPassword::Good),
                forgot(Who::A),
                confirm(Who::A, CodeChoice::Wrong, NewPassword::Good),
                confirm(Who::A, CodeChoice::Right, NewPassword::Good),
                confirm(Who::A, CodeChoice::Stale, NewPassword::Good),
                sign_in(Who::A, SignInPassword::Current),
                sign_in(Who::A, SignInPassword::Previous),
                sign_in(Who::B, SignInPassword::Current),
            ],
        );
        // No code issued yet: the "right" code is a wrong one.
        assert_eq!(errors(&p[0]), ["CodeMismatchException"]);
        assert!(p[1].success && p[1].errors.is_empty());
        assert_eq!(errors(&p[2]), ["CodeMismatchException"]);
        assert!(p[3].success && p[3].errors.is_empty());
        assert_eq!(
            errors(&p[4]),
            ["CodeMismatchException", "ExpiredCodeException"]
        );
        assert!(p[5].success);
        assert_eq!(errors(&p[6]), ["NotAuthorizedException"]);
        assert!(p[7].success, "user B is untouched");
        assert_eq!(m.user(Who::A).password, 4);
        assert_eq!(m.user(Who::A).previous, [0]);
        assert_eq!(m.user(Who::A).spent, [0]);
        assert_eq!(m.user(Who::A).pending, None);
        assert_eq!(p[3].describe(), "success (200)");
        let fresh = Model::default();
        assert_eq!(
            fresh.describe(&confirm(Who::A, CodeChoice::Right, NewPassword::Good)),
            "ConfirmForgotPassword(a, legacy, right code, good password) [no code outstanding: a wrong one]"
        );
        assert_eq!(
            fresh.describe(&sign_in(Who::A, SignInPassword::Previous)),
            "InitiateAuth(a, secret, previous password) [no reset yet: a password never set]"
        );
        assert_eq!(
            m.describe(&sign_in(Who::A, SignInPassword::Previous)),
            "InitiateAuth(a, secret, previous password)"
        );
        assert!(p[3]
            .evidence
            .contains("§4 successful ConfirmForgotPassword"));
    }

    #[test]
    fn a_newer_code_supersedes_the_older() {
        let mut m = Model::default();
        run(&mut m, &[forgot(Who::B), forgot(Who::B)]);
        assert_eq!(m.user(Who::B).pending, Some(1));
        assert_eq!(m.code_for(Who::B, CodeChoice::Stale), CodeRef::Issued(0));
        let p = m.predict(&confirm(Who::B, CodeChoice::Stale, NewPassword::Good));
        assert!(!p.success);
        assert_eq!(
            errors(&p),
            ["CodeMismatchException", "ExpiredCodeException"]
        );
    }

    #[test]
    fn open_questions_widen_the_allowed_set() {
        let mut m = Model::default();
        run(&mut m, &[forgot(Who::A)]);
        let weak = confirm(Who::A, CodeChoice::Right, NewPassword::Weak(Weak::NoSymbol));
        assert_eq!(errors(&m.predict(&weak)), ["InvalidPasswordException"]);
        m.observe(&weak, &Outcome::Error("InvalidPasswordException".into()), 2);
        // The refused password may have used the code up.
        let p = m.predict(&confirm(Who::A, CodeChoice::Right, NewPassword::Good));
        assert!(p.success);
        assert_eq!(
            errors(&p),
            ["CodeMismatchException", "ExpiredCodeException"]
        );
        assert_eq!(
            p.describe(),
            "success (200) or one of CodeMismatchException, ExpiredCodeException (400)"
        );
        // A weak password with a wrong code: either check may come first.
        let p = m.predict(&confirm(
            Who::A,
            CodeChoice::Wrong,
            NewPassword::Weak(Weak::Short),
        ));
        assert_eq!(
            errors(&p),
            ["CodeMismatchException", "InvalidPasswordException"]
        );
    }

    #[test]
    fn limits_are_allowed_past_their_counts() {
        let mut m = Model::default();
        let wrong = confirm(Who::A, CodeChoice::Wrong, NewPassword::Good);
        for _ in 0..ATTEMPT_LIMIT {
            assert_eq!(errors(&m.predict(&wrong)), ["CodeMismatchException"]);
            m.observe(&wrong, &Outcome::Error("CodeMismatchException".into()), 1);
        }
        assert_eq!(
            errors(&m.predict(&wrong)),
            ["CodeMismatchException", "LimitExceededException"]
        );
        for _ in 0..FORGOT_LIMIT {
            assert!(m.predict(&forgot(Who::B)).errors.is_empty());
            m.observe(&forgot(Who::B), &Outcome::Success, 1);
        }
        let p = m.predict(&forgot(Who::B));
        assert!(p.success);
        assert_eq!(errors(&p), ["LimitExceededException"]);
        assert!(p.allows(&Outcome::Success));
        assert!(p.allows(&Outcome::Error("LimitExceededException".into())));
        assert!(!p.allows(&Outcome::Error("CodeMismatchException".into())));
    }

    #[test]
    fn actions_read_well() {
        assert_eq!(
            confirm(Who::A, CodeChoice::Stale, NewPassword::Weak(Weak::NoSymbol)).to_string(),
            "ConfirmForgotPassword(a, legacy, stale code, weak password: no symbol)"
        );
        assert_eq!(
            sign_in(Who::B, SignInPassword::Current).to_string(),
            "InitiateAuth(b, secret, current password)"
        );
    }
}
