//! The commands that talk to one endpoint outside a run, and the live guard they share with it:
//! `skeleton` and `call` (the AWS CLI's `--generate-cli-skeleton` and `--cli-input-json`),
//! `cleanup` (a live account's leftovers), and the plan a live target gets before anything is
//! sent.

use std::io::{IsTerminal, Read, Write};

use clap::Args;
use serde_json::Value;

use super::{CliError, TargetArgs};
use crate::exit::ExitCode;
use crate::model::wire::JSON_1_1;
use crate::model::{Auth, Catalogue};
use crate::replay::NoFill;
use crate::session::{Plan, Target};
use crate::skeleton::{self, Which};
use crate::target;

#[derive(Debug, Args)]
pub struct SkeletonArgs {
    /// The operation: its API name (`ForgotPassword`) or the AWS CLI's (`forgot-password`).
    pub operation: String,
    /// The output's skeleton instead of the input's.
    #[arg(long)]
    pub output: bool,
}

#[derive(Debug, Args)]
#[command(after_help = CALL_AFTER_HELP)]
pub struct CallArgs {
    /// The operation: its API name (`ForgotPassword`) or the AWS CLI's (`forgot-password`).
    pub operation: String,
    /// The input as JSON, from a file or `-` (standard input), as `cognate skeleton` prints it.
    #[arg(long, value_name = "FILE|-", conflicts_with = "cli_input_yaml")]
    pub cli_input_json: Option<String>,
    /// The input as YAML, from a file or `-`.
    #[arg(long, value_name = "FILE|-")]
    pub cli_input_yaml: Option<String>,
    /// Print tokens, secrets and codes of the answer as they are (redacted by default).
    #[arg(long)]
    pub show_secrets: bool,
    #[command(flatten)]
    pub target: TargetArgs,
}

const CALL_AFTER_HELP: &str = "The input is validated against the operation's schema first: \
every violation is listed with its member path and nothing is sent (exit 2). The request is \
signed where the operation needs SigV4, sent, and the answer printed as JSON on standard output.

Exit codes: 0 the target answered with success, 1 usage (also a live target without \
--allow-live, or not confirmed), 2 the input is invalid or unreadable, 3 the target could not \
be reached, 4 the target answered with an error (its exception and message are printed).";

#[derive(Debug, Args)]
pub struct CleanupArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Only pools created at least this long ago: 30m, 1h, 2d (a bare number is seconds). Runs
    /// in progress are left alone.
    #[arg(long, default_value = "1h", value_parser = age_arg)]
    pub older_than: f64,
    /// List what would be deleted, and delete nothing.
    #[arg(long)]
    pub dry_run: bool,
}

fn age_arg(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (n, unit) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => t.split_at(i),
        None => (t, "s"),
    };
    let n: f64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not an age such as 30m, 1h or 2d"))?;
    let scale = match unit {
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        _ => return Err(format!("{s:?}: the unit is one of s, m, h, d")),
    };
    Ok(n * scale)
}

pub fn skeleton_cmd(a: SkeletonArgs) -> Result<ExitCode, CliError> {
    let which = if a.output {
        Which::Output
    } else {
        Which::Input
    };
    let v = skeleton::skeleton(Catalogue::embedded(), &a.operation, which)?;
    println!("{}", pretty(&v));
    Ok(ExitCode::Pass)
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// Reads `FILE` or `-` (standard input) whole.
fn read_input(source: &str) -> Result<String, CliError> {
    let mut text = String::new();
    let result = if source == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(source).map(|t| text = t)
    };
    result.map_err(|source_error| CliError::Read {
        path: source.to_owned(),
        source: source_error,
    })?;
    Ok(text)
}

pub async fn call_cmd(a: CallArgs) -> Result<ExitCode, CliError> {
    let cat = Catalogue::embedded();
    let op = skeleton::resolve(cat, &a.operation)?;
    let (source, yaml) = match (&a.cli_input_json, &a.cli_input_yaml) {
        (Some(f), None) => (f.as_str(), false),
        (None, Some(f)) => (f.as_str(), true),
        _ => {
            return Err(CliError::Usage(
                "give the input with --cli-input-json FILE|- or --cli-input-yaml FILE|-".into(),
            ))
        }
    };
    let text = read_input(source)?;
    let input: Value = if yaml {
        serde_norway::from_str(&text).map_err(|e| CliError::Input {
            path: source.to_owned(),
            why: format!("not YAML: {e}"),
        })?
    } else {
        serde_json::from_str(&text).map_err(|e| CliError::Input {
            path: source.to_owned(),
            why: format!("not JSON: {e}"),
        })?
    };
    let violations = skeleton::validate_input(cat, &op.name, &input)?;
    if !violations.is_empty() {
        eprintln!(
            "{}: the input breaks the schema of {} in {} place(s); nothing was sent:",
            source,
            op.name,
            violations.len()
        );
        for v in &violations {
            eprintln!("  {v}");
        }
        return Ok(ExitCode::BadInput);
    }
    let target = Target::start(&a.target.spec(), cat).await?;
    let outcome = call_on(&target, op, &input, &a).await;
    target.stop().await;
    outcome
}

async fn call_on(
    target: &Target,
    op: &crate::model::Operation,
    input: &Value,
    a: &CallArgs,
) -> Result<ExitCode, CliError> {
    confirm_live(target, &format!("1 request: {}", op.name), a.target.yes).await?;
    let client = target.client()?;
    let request = crate::generate::Request {
        target: Some(op.target.clone()),
        content_type: Some(JSON_1_1.to_owned()),
        body: input.to_string(),
        signed: op.auth == Auth::Sigv4,
        forgery: Default::default(),
    };
    // What a call creates is the user's: it is not swept.
    let exchange = client.send("call", &request, &NoFill).await;
    let response = match exchange.result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {} could not reach {}: {e}", op.name, target.url);
            return Ok(ExitCode::Runtime);
        }
    };
    let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    let shown = |v: &Value| {
        let text = pretty(v);
        if a.show_secrets {
            text
        } else {
            crate::redact::redact(&text, &crate::redact::named_secrets(v))
        }
    };
    if response.status == 200 {
        println!("{}", shown(&body));
        return Ok(ExitCode::Pass);
    }
    let error = crate::check::ErrorIdentity::read(&response);
    let secrets = crate::redact::named_secrets(&body);
    eprintln!(
        "{} answered HTTP {}: {}: {}",
        op.name,
        response.status,
        error.name().unwrap_or("(no exception name)"),
        crate::redact::redact(error.message.as_deref().unwrap_or("(no message)"), &secrets)
    );
    if !body.is_null() {
        println!("{}", shown(&body));
    }
    Ok(ExitCode::ContractFailure)
}

/// On a live target: prints the plan (where, which account, what is sent and created, at
/// which rate) and waits for `--yes` or a confirmation typed on the terminal. A run that is not
/// confirmed sends nothing. Loopback targets pass through.
pub async fn confirm_live(target: &Target, what: &str, yes: bool) -> Result<(), CliError> {
    if !target.live {
        return Ok(());
    }
    let account = match &target.credentials {
        Some(c) => {
            let who = match c.account().await {
                Ok(a) => format!("account {a}"),
                Err(e) => format!("account unknown (GetCallerIdentity: {e})"),
            };
            format!("{who}, {}", c.describe())
        }
        None => "no credentials".to_owned(),
    };
    eprintln!(
        "LIVE TARGET {url} (region {region})\n\
         \x20 credentials: {account}\n\
         \x20 sends:       {what}\n\
         \x20 creates:     user pools named {prefix}{run}-... (tagged {tag}={run}) with their \
         clients, users and groups; every one is deleted when the run ends, also on an error or \
         Ctrl-C (what cannot be is listed with the command that deletes it)\n\
         \x20 pace:        {rate}, {retries} retries of a throttled answer\n\
         \x20 cost:        Cognito bills monthly active users; a run's users are few and deleted \
         within minutes (inside the free tier of most accounts)",
        url = target.url,
        region = target.region,
        prefix = target::NAME_PREFIX,
        run = target.run_id,
        tag = target::RUN_TAG,
        rate = target
            .rate()
            .map_or("no rate limit".to_owned(), |r| format!(
                "at most {r} requests/s"
            )),
        retries = target.retries(),
    );
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::NotConfirmed(
            "standard input is not a terminal: pass --yes to send".into(),
        ));
    }
    eprint!("Send these requests to {}? Type yes: ", target.url);
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if answer.trim().eq_ignore_ascii_case("yes") {
        Ok(())
    } else {
        Err(CliError::NotConfirmed("the answer was not yes".into()))
    }
}

/// The plan's line for a run: operations, requests, and the stateful steps.
pub fn run_plan_line(plan: &Plan, cases: usize) -> String {
    format!(
        "{} operation(s): {cases} cases and {} stateful steps (about {} requests with \
         provisioning, probes and clean-up)",
        plan.operations.len(),
        plan.planned_stateful(),
        cases + plan.planned_stateful() + plan.operations.len() + 20
    )
}

pub async fn cleanup_cmd(a: CleanupArgs) -> Result<ExitCode, CliError> {
    let target = Target::start(&a.target.spec(), Catalogue::embedded()).await?;
    let outcome = cleanup_on(&target, &a).await;
    target.stop().await;
    outcome
}

async fn cleanup_on(target: &Target, a: &CleanupArgs) -> Result<ExitCode, CliError> {
    let client = target.client()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let found = target::leftovers(&client, now, a.older_than)
        .await
        .map_err(crate::session::RunError::from)?;
    if found.is_empty() {
        println!(
            "no pool named {}... older than {}s",
            target::NAME_PREFIX,
            a.older_than
        );
        return Ok(ExitCode::Pass);
    }
    for f in &found {
        let run = f
            .run
            .as_deref()
            .map(|r| format!(", run {r}"))
            .unwrap_or_default();
        println!("{}  {}{run}", f.pool_id, f.name);
    }
    if a.dry_run {
        println!("{} pool(s) would be deleted (--dry-run)", found.len());
        return Ok(ExitCode::Pass);
    }
    confirm_live(
        target,
        &format!("deletes of {} pool(s) listed above", found.len()),
        a.target.yes,
    )
    .await?;
    let ids: Vec<String> = found.iter().rev().map(|f| f.pool_id.clone()).collect();
    let sweep = target::sweep(&client, &ids, &target.region).await;
    println!("{}", sweep.render());
    Ok(if sweep.left.is_empty() {
        ExitCode::Pass
    } else {
        ExitCode::Runtime
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_seconds() {
        assert_eq!(age_arg("90").unwrap(), 90.0);
        assert_eq!(age_arg("30m").unwrap(), 1800.0);
        assert_eq!(age_arg("1h").unwrap(), 3600.0);
        assert_eq!(age_arg("2d").unwrap(), 172_800.0);
        assert!(age_arg("1w").is_err());
        assert!(age_arg("soon").is_err());
    }
}
