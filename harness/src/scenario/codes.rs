//! Code sources: how the harness learns the confirmation code a target sent to a user, so a
//! scenario can go on to ConfirmForgotPassword. One small trait, one implementation per way a
//! target can tell: in-process for the embedded reference, a response header for moto, the
//! database file for cognito-local, a user command for anything else.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use futures::FutureExt;
use serde_json::Value;

use crate::config;
use crate::reference::Reference;
use crate::replay::Response;

/// What a code source is asked: whose code, which kind, and the answer of the step that made the
/// target send it (ForgotPassword), which some targets carry the code in.
#[derive(Debug, Clone, Copy)]
pub struct CodeRequest<'a> {
    pub pool_id: &'a str,
    /// The stored username (never an alias).
    pub username: &'a str,
    pub kind: CodeKind,
    pub response: Option<&'a Response>,
}

/// The two kinds of code a user is sent, which targets keep apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// Confirms the account or a new password: ForgotPassword, AdminResetUserPassword, SignUp,
    /// ResendConfirmationCode.
    Confirmation,
    /// Verifies an attribute: GetUserAttributeVerificationCode, UpdateUserAttributes.
    Verification,
}

impl CodeKind {
    /// The kind of code the operation sends.
    pub fn of(operation: &str) -> CodeKind {
        match operation {
            "GetUserAttributeVerificationCode"
            | "UpdateUserAttributes"
            | "AdminUpdateUserAttributes" => CodeKind::Verification,
            _ => CodeKind::Confirmation,
        }
    }

    /// `confirmation`, `verification`: what a code command is told.
    pub fn name(self) -> &'static str {
        match self {
            CodeKind::Confirmation => "confirmation",
            CodeKind::Verification => "verification",
        }
    }
}

/// Learns the code a target last sent to a user.
pub trait CodeSource: Send + Sync {
    /// What the source is, for reports: `moto-header`, `command "..."`.
    fn describe(&self) -> String;
    /// The code, or why it could not be learned.
    fn code<'a>(&'a self, ask: CodeRequest<'a>) -> BoxFuture<'a, Result<String, String>>;
    /// Whether the source can only be trusted with one request in flight at a time, so
    /// scenarios and sequences must run one after the other.
    fn serial(&self) -> bool {
        false
    }
}

/// The header moto writes the code into.
pub const MOTO_HEADER: &str = "x-moto-forgot-password-confirmation-code";

/// The code source a profile's `code_source` describes.
pub fn from_config(source: &config::CodeSource) -> Box<dyn CodeSource> {
    match source {
        config::CodeSource::MotoHeader => Box::new(MotoHeader),
        config::CodeSource::CognitoLocalDb { dir } => Box::new(CognitoLocalDb::new(dir)),
        config::CodeSource::Command { command } => Box::new(CodeCommand::new(command)),
    }
}

/// The embedded reference target, asked directly ([`Reference::pending_code`]).
pub struct InProcess(pub Arc<Reference>);

impl CodeSource for InProcess {
    fn describe(&self) -> String {
        "in-process (reference)".into()
    }

    fn code<'a>(&'a self, ask: CodeRequest<'a>) -> BoxFuture<'a, Result<String, String>> {
        let r = self
            .0
            .pending_code(ask.pool_id, ask.username, ask.kind)
            .ok_or_else(|| {
                format!(
                    "the reference holds no outstanding code for {}",
                    ask.username
                )
            });
        async move { r }.boxed()
    }
}

/// A served reference (`cognate serve`), asked over HTTP at
/// [`CODES_PATH`](crate::reference::CODES_PATH): the run finds it there when the target is a URL.
pub struct ReferenceEndpoint(pub crate::replay::Client);

impl ReferenceEndpoint {
    /// Whether the target at the client's URL answers the codes endpoint as a served reference.
    pub async fn detect(client: &crate::replay::Client) -> bool {
        match client.get(crate::reference::CODES_PATH).await {
            Ok(r) if r.status == 200 => serde_json::from_slice::<Value>(&r.body)
                .ok()
                .and_then(|v| v.get("codes").cloned())
                .is_some(),
            _ => false,
        }
    }
}

impl CodeSource for ReferenceEndpoint {
    fn describe(&self) -> String {
        format!("reference endpoint {}", crate::reference::CODES_PATH)
    }

    fn code<'a>(&'a self, ask: CodeRequest<'a>) -> BoxFuture<'a, Result<String, String>> {
        use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
        let path = format!(
            "{}/{}/{}/{}",
            crate::reference::CODES_PATH,
            utf8_percent_encode(ask.pool_id, NON_ALPHANUMERIC),
            utf8_percent_encode(ask.username, NON_ALPHANUMERIC),
            ask.kind.name()
        );
        async move {
            let r = self.0.get(&path).await?;
            let code = serde_json::from_slice::<Value>(&r.body)
                .ok()
                .and_then(|v| v.get("code").and_then(Value::as_str).map(str::to_owned));
            match (r.status, code) {
                (200, Some(code)) => Ok(code),
                (status, _) => Err(format!(
                    "the reference holds no outstanding code for {} ({status})",
                    ask.username
                )),
            }
        }
        .boxed()
    }
}

/// moto: the `x-moto-forgot-password-confirmation-code` header of the ForgotPassword answer,
/// whole (`moto-confirmation-code:123456` is the code moto expects back).
pub struct MotoHeader;

impl CodeSource for MotoHeader {
    fn describe(&self) -> String {
        "moto-header".into()
    }

    fn code<'a>(&'a self, ask: CodeRequest<'a>) -> BoxFuture<'a, Result<String, String>> {
        let r = match ask.response.map(|r| r.header(MOTO_HEADER)) {
            None => Err("no answer to read the header from".to_owned()),
            Some(None) => Err(format!("the answer has no {MOTO_HEADER} header")),
            Some(Some(v)) => moto_code(v),
        };
        async move { r }.boxed()
    }
}

/// The code in moto's header value; moto writes `None` when it issued none.
pub fn moto_code(value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() || v == "None" {
        Err(format!("moto sent {MOTO_HEADER}: {v:?}, no code"))
    } else {
        Ok(v.to_owned())
    }
}

/// cognito-local: `Users.<username>.ConfirmationCode` in `<dir>/<poolId>.json`. cognito-local
/// saves the file before it answers; a short retry covers a slow disk. It rewrites the whole file
/// with an asynchronous write on every change, so two changes to one pool in flight at once can
/// leave an older state in the file for a while: the source is [`CodeSource::serial`].
pub struct CognitoLocalDb {
    pub dir: PathBuf,
    pub wait: Duration,
}

impl CognitoLocalDb {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        CognitoLocalDb {
            dir: dir.into(),
            wait: Duration::from_secs(2),
        }
    }
}

impl CodeSource for CognitoLocalDb {
    fn describe(&self) -> String {
        format!("cognito-local-db {}", self.dir.display())
    }

    fn serial(&self) -> bool {
        true
    }

    fn code<'a>(&'a self, ask: CodeRequest<'a>) -> BoxFuture<'a, Result<String, String>> {
        async move {
            let path = self.dir.join(format!("{}.json", ask.pool_id));
            let deadline = Instant::now() + self.wait;
            loop {
                let r = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))
                    .and_then(|text| cognito_local_code(&text, ask.username, ask.kind));
                match r {
                    Ok(code) => return Ok(code),
                    Err(e) if Instant::now() >= deadline => return Err(e),
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        }
        .boxed()
    }
}

/// The code in the text of a cognito-local pool file: `ConfirmationCode`, or
/// `AttributeVerificationCode` for a verification code.
pub fn cognito_local_code(db: &str, username: &str, kind: CodeKind) -> Result<String, String> {
    let field = match kind {
        CodeKind::Confirmation => "ConfirmationCode",
        CodeKind::Verification => "AttributeVerificationCode",
    };
    let v: Value =
        serde_json::from_str(db).map_err(|e| format!("the pool file is not JSON: {e}"))?;
    let user = v
        .get("Users")
        .and_then(|u| u.get(username))
        .ok_or_else(|| format!("no user {username} in the pool file"))?;
    match user.get(field) {
        Some(Value::String(c)) if !c.is_empty() => Ok(c.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(format!("user {username} has no {field} in the pool file")),
    }
}

/// A user command, run with `sh -c`: the pool id and username are in `COGNATE_POOL_ID` and
/// `COGNATE_USERNAME`, and are also `$1` and `$2`; the kind of code (`confirmation` or
/// `verification`) is in `COGNATE_CODE_KIND` and `$3`. The first non-empty line it prints is the code;
/// a non-zero exit, no output or no answer within the timeout is a failure.
pub struct CodeCommand {
    pub command: String,
    pub timeout: Duration,
}

impl CodeCommand {
    pub fn new(command: impl Into<String>) -> Self {
        CodeCommand {
            command: command.into(),
            timeout: Duration::from_secs(10),
        }
    }
}

impl CodeSource for CodeCommand {
    fn describe(&self) -> String {
        format!("command {:?}", self.command)
    }

    fn code<'a>(&'a self, ask: CodeRequest<'a>) -> BoxFuture<'a, Result<String, String>> {
        let command = self.command.clone();
        let timeout = self.timeout;
        let pool = ask.pool_id.to_owned();
        let user = ask.username.to_owned();
        let kind = ask.kind.name();
        async move {
            tokio::task::spawn_blocking(move || run_command(&command, &pool, &user, kind, timeout))
                .await
                .map_err(|e| format!("the code command did not finish: {e}"))?
        }
        .boxed()
    }
}

fn run_command(
    command: &str,
    pool: &str,
    user: &str,
    kind: &str,
    timeout: Duration,
) -> Result<String, String> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .arg("cognate-code")
        .arg(pool)
        .arg(user)
        .arg(kind)
        .env("COGNATE_POOL_ID", pool)
        .env("COGNATE_USERNAME", user)
        .env("COGNATE_CODE_KIND", kind)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run the code command: {e}"))?;
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "the code command gave no answer within {} s",
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for the code command: {e}")),
        }
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("reading the code command's output: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let err: String = err.trim().chars().take(200).collect();
        return Err(format!("the code command failed ({}): {err}", out.status));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| "the code command printed nothing".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moto_header_values() {
        assert_eq!(
            moto_code("moto-confirmation-code:395092").unwrap(),
            "moto-confirmation-code:395092"
        );
        assert!(moto_code("None").is_err());
        assert!(moto_code("  ").is_err());
    }

    #[test]
    fn cognito_local_files() {
        let db = r#"{"Options":{"Id":"local_x"},"Users":{"alice":{"Username":"alice","ConfirmationCode":"123456","AttributeVerificationCode":"654321"},"bob":{"Username":"bob"}}}"#;
        let c = CodeKind::Confirmation;
        assert_eq!(cognito_local_code(db, "alice", c).unwrap(), "123456");
        assert_eq!(
            cognito_local_code(db, "alice", CodeKind::Verification).unwrap(),
            "654321"
        );
        assert!(cognito_local_code(db, "bob", c)
            .unwrap_err()
            .contains("no ConfirmationCode"));
        assert!(cognito_local_code(db, "bob", CodeKind::Verification)
            .unwrap_err()
            .contains("no AttributeVerificationCode"));
        assert!(cognito_local_code(db, "carol", c)
            .unwrap_err()
            .contains("no user carol"));
        assert!(cognito_local_code("{", "alice", c)
            .unwrap_err()
            .contains("not JSON"));
    }
}
