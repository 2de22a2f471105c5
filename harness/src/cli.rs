//! The command line: parses arguments, wires the stages together, and maps every failure to the
//! one exit-code table of [`crate::exit`]. Thin by design: the stages do the work.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use thiserror::Error;

use crate::check::{CheckError, Checker};
use crate::exit::ExitCode;
use crate::generate::{self, Case, Contract, ContractError, GenerateError, Options};
use crate::model::{import, Catalogue, ModelError, Operation};
use crate::netfuzz::{self, NetFuzzError};
use crate::reference::{self, Reference};
use crate::replay::{self, Client, ReplayError, Signing};
use crate::report::{
    Event, JsonReport, JunitReport, ReportError, Reporter, RunInfo, Summary, Terminal,
};
use crate::target::{self, Provisioner, TargetError};

/// The operations of the password-recovery contract: the default suite.
pub const DEFAULT_OPERATIONS: [&str; 2] = ["ForgotPassword", "ConfirmForgotPassword"];

#[derive(Debug, Parser)]
#[command(
    name = "cognate",
    version,
    about = "Contract tests and fuzzing for the Amazon Cognito Identity Provider API",
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

const AFTER_HELP: &str = "Exit codes:
  0  every case passed
  1  usage: the command line is wrong (also a non-loopback target without --allow-live)
  2  bad input: schemas, expectations or a model that cannot be read
  3  runtime: the target could not be reached or provisioned, a report could not be written
  4  contract failures: at least one case failed (fuzz: at least one new finding)
  5  drift: committed files differ from what the command produces (schemas import --check)";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate cases, replay them against a target, check every answer, write reports.
    Run(RunArgs),
    /// Print the generated cases as JSON lines, without sending anything.
    Cases(CasesArgs),
    /// Re-send one case by id (or a fuzz finding's reproducer) and print what came back.
    Replay(ReplayArgs),
    /// Fuzz an endpoint's request parser with mutated requests; save findings as reproducers.
    Fuzz(FuzzArgs),
    /// Run the embedded reference target on 127.0.0.1 until interrupted.
    Serve(ServeArgs),
    /// Work with the derived JSON Schemas.
    #[command(subcommand)]
    Schemas(SchemasCommand),
}

#[derive(Debug, Args)]
pub struct Selection {
    /// Operation to test (repeatable). Default: ForgotPassword and ConfirmForgotPassword.
    #[arg(long = "operation", value_name = "NAME")]
    pub operations: Vec<String>,
    /// Every operation of the model; those without contract data get rule cases only.
    #[arg(long, conflicts_with = "operations")]
    pub all_operations: bool,
    /// Seed for every generated value: the same seed gives the same cases byte for byte.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Property-generated cases to add per operation, on top of the fixed ones.
    #[arg(long = "cases", default_value_t = 0, value_name = "N")]
    pub extra: usize,
    /// Read schemas from this directory instead of the copy built into the binary.
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
    /// Read expectations from this directory instead of the copy built into the binary.
    #[arg(long, value_name = "DIR")]
    pub expectations: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TargetArgs {
    /// `reference` (the embedded target, started in-process) or a URL such as
    /// http://127.0.0.1:5000.
    #[arg(long, default_value = "reference")]
    pub target: String,
    /// Allow a target outside 127.0.0.0/8, ::1 and localhost (a live service).
    #[arg(long)]
    pub allow_live: bool,
    /// Region for SigV4 signing of admin operations.
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Per-request timeout in milliseconds.
    #[arg(long, default_value_t = 10_000, value_name = "MS")]
    pub timeout_ms: u64,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub selection: Selection,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Where report.json and junit.xml go.
    #[arg(long, default_value = "reports", value_name = "DIR")]
    pub report_dir: PathBuf,
    /// No progress bar (the summary is still printed).
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct CasesArgs {
    #[command(flatten)]
    pub selection: Selection,
    /// Include each request's headers and body (with fixture placeholders).
    #[arg(long)]
    pub bodies: bool,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The case id, as reports print it.
    #[arg(required_unless_present = "reproducer")]
    pub case_id: Option<String>,
    /// A reproducer written by `cognate fuzz` (finding-NNN-<kind>.json): its raw request is sent
    /// again, byte for byte. Exit 4 when it still gives a finding, 0 when it does not.
    #[arg(long, value_name = "FILE", conflicts_with = "case_id")]
    pub reproducer: Option<PathBuf>,
    #[command(flatten)]
    pub selection: Selection,
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Args)]
pub struct FuzzArgs {
    /// `reference` (the embedded target, started in-process) or an http:// URL such as
    /// http://127.0.0.1:5000.
    #[arg(long, default_value = "reference")]
    pub target: String,
    /// Allow a target outside 127.0.0.0/8, ::1 and localhost (a live service).
    #[arg(long)]
    pub allow_live: bool,
    /// How long to fuzz: 500ms, 10s, 2m, 1h (a bare number is seconds).
    #[arg(long, default_value = "60s", value_parser = duration_arg)]
    pub duration: Duration,
    /// Requests to send at most, minimisation and liveness checks included.
    #[arg(long, default_value_t = 1_000_000, value_name = "N")]
    pub max_requests: u64,
    /// Seed of the mutation stream: the same seed sends the same requests.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Per-request timeout in milliseconds; no complete answer by then is a hang.
    #[arg(long, default_value_t = 2_000, value_name = "MS")]
    pub timeout_ms: u64,
    /// Where reproducers and fuzz-summary.json go.
    #[arg(long, default_value = "reports/fuzz", value_name = "DIR")]
    pub out: PathBuf,
    /// Operation to fuzz (repeatable). Default: every operation of the model.
    #[arg(long = "operation", value_name = "NAME")]
    pub operations: Vec<String>,
    /// Reproducers to save at most; further distinct findings are only counted.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub max_findings: usize,
    /// A fuzz-summary.json whose findings are known: they are reported but do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

fn duration_arg(s: &str) -> Result<Duration, String> {
    crate::netfuzz::parse_duration(s)
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 9229)]
    pub port: u16,
}

#[derive(Debug, Subcommand)]
pub enum SchemasCommand {
    /// Derive schemas/ from a botocore service-2.json model.
    Import {
        /// The model file.
        #[arg(long, value_name = "FILE")]
        model: PathBuf,
        /// The schemas directory to write.
        #[arg(long, default_value = "schemas", value_name = "DIR")]
        out: PathBuf,
        /// Write nothing; exit 5 if the directory differs from a fresh import.
        #[arg(long)]
        check: bool,
    },
}

/// Everything that stops a command, each mapped to its exit code.
#[derive(Debug, Error)]
pub enum CliError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error(transparent)]
    Generate(#[from] GenerateError),
    #[error(transparent)]
    Check(#[from] CheckError),
    #[error("{path}: {source}")]
    Import {
        path: String,
        #[source]
        source: import::ImportError,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("cannot start the reference target: {0}")]
    Serve(std::io::Error),
    #[error("no case {id} among the {count} cases of seed {seed} (check --seed, --cases and --operation)")]
    NoSuchCase { id: String, count: usize, seed: u64 },
    #[error("{0} file(s) differ from a fresh import:\n{1}")]
    Drift(usize, String),
    #[error(transparent)]
    NetFuzz(#[from] NetFuzzError),
    #[error("{path}: not a reproducer: {reason}")]
    Reproducer { path: String, reason: String },
}

impl CliError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Model(_)
            | CliError::Contract(_)
            | CliError::Generate(_)
            | CliError::Check(_)
            | CliError::Import { .. }
            | CliError::Read { .. }
            | CliError::Reproducer { .. }
            | CliError::NetFuzz(NetFuzzError::NoOperations) => ExitCode::BadInput,
            CliError::NetFuzz(NetFuzzError::Scheme(_) | NetFuzzError::BadUrl(_)) => ExitCode::Usage,
            CliError::NoSuchCase { .. }
            | CliError::Target(TargetError::NotLoopback(_) | TargetError::BadUrl(_)) => {
                ExitCode::Usage
            }
            CliError::Drift(..) => ExitCode::SnapshotDrift,
            CliError::Write { .. }
            | CliError::Target(_)
            | CliError::Replay(_)
            | CliError::Report(_)
            | CliError::Serve(_)
            | CliError::NetFuzz(_) => ExitCode::Runtime,
        }
    }
}

/// Parses the arguments and runs the command; the returned code is the process's.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::Usage
            } else {
                ExitCode::Pass
            };
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::Runtime;
        }
    };
    match rt.block_on(dispatch(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

async fn dispatch(command: Command) -> Result<ExitCode, CliError> {
    match command {
        Command::Run(a) => run(a).await,
        Command::Cases(a) => cases_cmd(a),
        Command::Replay(a) => match a.reproducer.clone() {
            Some(file) => replay_reproducer(&a, &file).await,
            None => replay_cmd(a).await,
        },
        Command::Fuzz(a) => fuzz_cmd(a).await,
        Command::Serve(a) => serve(a).await,
        Command::Schemas(SchemasCommand::Import { model, out, check }) => {
            schemas_import(&model, &out, check)
        }
    }
}

fn catalogue(sel: &Selection) -> Result<&'static Catalogue, CliError> {
    Ok(match &sel.schemas {
        // Leaked once per process: the catalogue lives as long as the command.
        Some(dir) => Box::leak(Box::new(Catalogue::load_dir(dir)?)),
        None => Catalogue::embedded(),
    })
}

fn operations(sel: &Selection, cat: &Catalogue) -> Result<Vec<String>, CliError> {
    let ops: Vec<String> = if sel.all_operations {
        cat.operations.keys().cloned().collect()
    } else if sel.operations.is_empty() {
        DEFAULT_OPERATIONS.iter().map(|s| s.to_string()).collect()
    } else {
        sel.operations.clone()
    };
    for op in &ops {
        if cat.operation(op).is_none() {
            return Err(GenerateError::UnknownOperation(op.clone()).into());
        }
    }
    Ok(ops)
}

/// The cases of a selection, in generation order.
fn generate_all(sel: &Selection) -> Result<(&'static Catalogue, Vec<String>, Vec<Case>), CliError> {
    let cat = catalogue(sel)?;
    let contract = match &sel.expectations {
        Some(dir) => Contract::load_dir(dir, cat)?,
        None => Contract::embedded(cat)?,
    };
    let ops = operations(sel, cat)?;
    let opts = Options {
        seed: sel.seed,
        extra: sel.extra,
    };
    let mut cases = Vec::new();
    for op in &ops {
        cases.extend(generate::cases(cat, &contract, op, opts)?);
    }
    Ok((cat, ops, cases))
}

/// A started target: its URL, and the in-process server to stop afterwards.
struct Started {
    url: String,
    server: Option<reference::ServerHandle>,
}

async fn start_target(args: &TargetArgs, cat: &'static Catalogue) -> Result<Started, CliError> {
    if args.target == "reference" {
        let r = Arc::new(Reference::new(cat));
        let server = reference::spawn(r, ([127, 0, 0, 1], 0).into())
            .await
            .map_err(CliError::Serve)?;
        return Ok(Started {
            url: format!("http://{}", server.addr),
            server: Some(server),
        });
    }
    target::check_url(&args.target, args.allow_live)?;
    Ok(Started {
        url: args.target.clone(),
        server: None,
    })
}

fn client(args: &TargetArgs, url: &str) -> Result<Client, CliError> {
    Ok(Client::new(
        url,
        replay::Config {
            concurrency: args.concurrency.max(1),
            timeout: Duration::from_millis(args.timeout_ms.max(1)),
            signing: Signing::test_credentials(&args.region),
        },
    )?)
}

async fn run(a: RunArgs) -> Result<ExitCode, CliError> {
    let (cat, ops, cases) = generate_all(&a.selection)?;
    let checker = Checker::new(cat)?;
    let started = Started::start(&a.target, cat).await?;
    let result = run_against(&a, &started.url, &ops, &cases, &checker).await;
    started.stop().await;
    let summary = result?;
    Ok(summary.exit_code())
}

impl Started {
    async fn start(args: &TargetArgs, cat: &'static Catalogue) -> Result<Started, CliError> {
        start_target(args, cat).await
    }

    async fn stop(self) {
        if let Some(s) = self.server {
            s.shutdown().await;
        }
    }
}

async fn run_against(
    a: &RunArgs,
    url: &str,
    ops: &[String],
    cases: &[Case],
    checker: &Checker,
) -> Result<Summary, CliError> {
    let client = client(&a.target, url)?;
    let provisioner = Provisioner::new(&client);
    let tag = format!("s{}", a.selection.seed);
    let fixture = provisioner.provision(&tag).await?;

    let mut reporter = Reporter::new();
    reporter
        .add(Terminal::stdout().quiet(a.quiet))
        .add(JsonReport::new(&a.report_dir))
        .add(JunitReport::new(&a.report_dir));
    reporter.event(&Event::Started(RunInfo {
        harness_version: env!("CARGO_PKG_VERSION").to_owned(),
        target: a.target.target.clone(),
        seed: a.selection.seed,
        operations: ops.to_vec(),
        cases: cases.len(),
        started: now_rfc3339(),
    }));
    let t0 = Instant::now();
    client
        .run(cases, &fixture, |case, exchange| {
            reporter.event(&Event::Finished(checker.check(case, &exchange)));
        })
        .await;
    reporter.event(&Event::Done {
        elapsed: t0.elapsed(),
    });
    let cleanup = provisioner.cleanup(&fixture).await;
    let summary = reporter.finish()?;
    if let Err(e) = cleanup {
        // The verdicts stand; a pool left behind is worth a warning, not a lost result.
        eprintln!("warning: cleanup: {e}");
    }
    eprintln!(
        "reports: {} and {}",
        a.report_dir.join(crate::report::JSON_FILE).display(),
        a.report_dir.join(crate::report::JUNIT_FILE).display()
    );
    Ok(summary)
}

/// UTC now as RFC 3339, without a date-time dependency for one line.
fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn cases_cmd(a: CasesArgs) -> Result<ExitCode, CliError> {
    let (_, _, cases) = generate_all(&a.selection)?;
    let mut out = String::new();
    for c in &cases {
        let mut v = serde_json::json!({
            "id": c.id,
            "operation": c.operation,
            "group": c.kind.group(),
            "label": c.label,
            "member": c.member,
            "expectation": c.expectation,
        });
        if a.bodies {
            v["request"] = serde_json::to_value(&c.request).unwrap_or_default();
        }
        out.push_str(&v.to_string());
        out.push('\n');
    }
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = stdout.write_all(out.as_bytes());
    Ok(ExitCode::Pass)
}

async fn replay_cmd(a: ReplayArgs) -> Result<ExitCode, CliError> {
    let (cat, _, cases) = generate_all(&a.selection)?;
    let case_id = a.case_id.clone().unwrap_or_default();
    let case = cases
        .iter()
        .find(|c| c.id == case_id)
        .ok_or_else(|| CliError::NoSuchCase {
            id: case_id.clone(),
            count: cases.len(),
            seed: a.selection.seed,
        })?
        .clone();
    let checker = Checker::new(cat)?;
    let started = Started::start(&a.target, cat).await?;
    let result = async {
        let client = client(&a.target, &started.url)?;
        let provisioner = Provisioner::new(&client);
        let fixture = provisioner
            .provision(&format!("s{}", a.selection.seed))
            .await?;
        let exchange = client.send(&case.id, &case.request, &fixture).await;
        let _ = provisioner.cleanup(&fixture).await;
        Ok::<_, CliError>(exchange)
    }
    .await;
    started.stop().await;
    let exchange = result?;
    let verdict = checker.check(&case, &exchange);
    let sensitive = cat
        .operation(&case.operation)
        .map(|o| o.sensitive.clone())
        .unwrap_or_default();
    println!(
        "case      {} ({} / {})",
        case.id,
        case.operation,
        case.kind.group()
    );
    println!("label     {}", case.label);
    println!("expected  {}", verdict.expected);
    println!("request   POST {}", exchange.sent.url);
    for (k, v) in &exchange.sent.headers {
        let v = if k == "authorization" {
            "<redacted>"
        } else {
            v.as_str()
        };
        println!("  {k}: {v}");
    }
    let sent = String::from_utf8_lossy(&exchange.sent.body);
    println!("  {}", crate::redact::redact_body(&sensitive, &sent));
    let secrets = serde_json::from_str(&sent)
        .map(|v| crate::redact::secrets(&sensitive, &v))
        .unwrap_or_default();
    let shown = |t: &str| crate::redact::redact(t, &secrets);
    match &exchange.result {
        Ok(r) => {
            let ms = exchange.elapsed.as_millis();
            println!("response  HTTP {} in {ms} ms", r.status);
            for (k, v) in &r.headers {
                println!("  {k}: {}", shown(v));
            }
            println!("  {}", shown(&String::from_utf8_lossy(&r.body)));
        }
        Err(e) => println!("response  none: {e}"),
    }
    let status = format!("{:?}", verdict.status).to_lowercase();
    println!("verdict   {status}");
    for c in &verdict.checks {
        let outcome = match &c.outcome {
            crate::check::CheckOutcome::Pass => "pass".to_owned(),
            crate::check::CheckOutcome::Fail(why) => format!("fail: {why}"),
            crate::check::CheckOutcome::Skip(why) => format!("skip: {why}"),
        };
        println!("  {:<16} {outcome}", c.check.as_str());
    }
    let summary = Summary::from_verdicts([&verdict]);
    Ok(summary.exit_code())
}

async fn serve(a: ServeArgs) -> Result<ExitCode, CliError> {
    let r = Arc::new(Reference::new(Catalogue::embedded()));
    let server = reference::spawn(r, ([127, 0, 0, 1], a.port).into())
        .await
        .map_err(CliError::Serve)?;
    eprintln!(
        "cognate reference target listening on http://{} (Ctrl-C stops it)",
        server.addr
    );
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    Ok(ExitCode::Pass)
}

fn schemas_import(model: &Path, out: &Path, check: bool) -> Result<ExitCode, CliError> {
    let text = std::fs::read_to_string(model).map_err(|source| CliError::Read {
        path: model.display().to_string(),
        source,
    })?;
    let files = import::import(&text).map_err(|source| CliError::Import {
        path: model.display().to_string(),
        source,
    })?;
    if check {
        let mut differ = Vec::new();
        for (rel, content) in &files {
            let p = out.join(rel);
            if std::fs::read_to_string(&p).ok().as_deref() != Some(content.as_str()) {
                differ.push(format!("  {}", p.display()));
            }
        }
        for extra in stray_files(out, &files) {
            differ.push(format!(
                "  {} (not produced by the import)",
                extra.display()
            ));
        }
        if !differ.is_empty() {
            return Err(CliError::Drift(differ.len(), differ.join("\n")));
        }
        eprintln!(
            "{}: {} files match a fresh import",
            out.display(),
            files.len()
        );
        return Ok(ExitCode::Pass);
    }
    for (rel, content) in &files {
        let p = out.join(rel);
        let write_err = |source| CliError::Write {
            path: p.display().to_string(),
            source,
        };
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(write_err)?;
        }
        std::fs::write(&p, content).map_err(|source| CliError::Write {
            path: p.display().to_string(),
            source,
        })?;
    }
    for extra in stray_files(out, &files) {
        let _ = std::fs::remove_file(&extra);
    }
    eprintln!("wrote {} files to {}", files.len(), out.display());
    Ok(ExitCode::Pass)
}

/// JSON files under `operations/` that the import did not produce (a removed operation).
fn stray_files(out: &Path, files: &import::Files) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(out.join("operations")) else {
        return Vec::new();
    };
    let mut stray: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let rel = format!("operations/{}", e.file_name().to_string_lossy());
            rel.ends_with(".json") && !files.contains_key(&rel)
        })
        .map(|e| e.path())
        .collect();
    stray.sort();
    stray
}

async fn fuzz_cmd(a: FuzzArgs) -> Result<ExitCode, CliError> {
    let cat = Catalogue::embedded();
    let ops: Vec<&Operation> = if a.operations.is_empty() {
        cat.operations.values().collect()
    } else {
        a.operations
            .iter()
            .map(|n| {
                cat.operation(n)
                    .ok_or_else(|| GenerateError::UnknownOperation(n.clone()))
            })
            .collect::<Result<_, _>>()?
    };
    let baseline = match &a.baseline {
        None => Default::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
                path: path.display().to_string(),
                source,
            })?;
            serde_json::from_str::<netfuzz::SummaryFile>(&text)
                .map_err(|e| CliError::Reproducer {
                    path: path.display().to_string(),
                    reason: format!("not a fuzz-summary.json: {e}"),
                })?
                .signatures()
        }
    };
    let started = start_url(&a.target, a.allow_live, cat).await?;
    let result = async {
        let target = netfuzz::Target::resolve(&started.url).await?;
        let cfg = netfuzz::Config {
            seed: a.seed,
            duration: a.duration,
            max_requests: a.max_requests.max(1),
            timeout: Duration::from_millis(a.timeout_ms.max(1)),
            max_findings: a.max_findings,
        };
        eprintln!(
            "fuzzing {} ({} operations, seed {}) for up to {:.1} s or {} requests",
            a.target,
            ops.len(),
            a.seed,
            a.duration.as_secs_f64(),
            a.max_requests
        );
        Ok::<_, CliError>(netfuzz::run(&target, cat, &ops, &cfg).await?)
    }
    .await;
    started.stop().await;
    let result = result?;
    let summary = netfuzz::write_results(&a.out, &a.target, a.seed, &result, &baseline)?;
    println!(
        "cognate fuzz: {} requests in {:.1} s ({} req/s) against {}, seed {}",
        summary.requests,
        result.elapsed.as_secs_f64(),
        summary.requests_per_second,
        a.target,
        a.seed
    );
    if let Some(why) = &summary.stopped {
        println!("stopped early: {why}");
    }
    if summary.occurrences.is_empty() {
        println!("no findings");
    } else {
        let by_kind: Vec<String> = summary
            .occurrences
            .iter()
            .map(|(k, n)| format!("{} {n}", k.as_str()))
            .collect();
        println!("findings, every occurrence: {}", by_kind.join(", "));
        println!("reproducers in {}:", a.out.display());
        for f in &summary.findings {
            let known = if f.known { " (known)" } else { "" };
            println!(
                "  {:<13} {}{known}\n                {}  {}",
                f.kind.as_str(),
                crate::report::one_line(&f.signature),
                f.file,
                crate::report::one_line(&f.detail)
            );
        }
    }
    eprintln!("summary: {}", a.out.join(netfuzz::SUMMARY_FILE).display());
    let new = summary.findings.iter().filter(|f| !f.known).count();
    Ok(if new > 0 {
        ExitCode::ContractFailure
    } else {
        ExitCode::Pass
    })
}

/// The reference target started in-process, or a URL checked against `--allow-live`.
async fn start_url(
    target: &str,
    allow_live: bool,
    cat: &'static Catalogue,
) -> Result<Started, CliError> {
    start_target(
        &TargetArgs {
            target: target.to_owned(),
            allow_live,
            region: "us-east-1".into(),
            concurrency: 1,
            timeout_ms: 0,
        },
        cat,
    )
    .await
}

async fn replay_reproducer(a: &ReplayArgs, file: &Path) -> Result<ExitCode, CliError> {
    let shown = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|source| CliError::Read {
        path: shown.clone(),
        source,
    })?;
    let bad = |reason: String| CliError::Reproducer {
        path: shown.clone(),
        reason,
    };
    let rep: netfuzz::Reproducer = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let request = rep
        .request()
        .map_err(|e| bad(format!("request_base64: {e}")))?;
    let cat = Catalogue::embedded();
    let started = start_url(&a.target.target, a.target.allow_live, cat).await?;
    let result = async {
        let target = netfuzz::Target::resolve(&started.url).await?;
        let timeout = Duration::from_millis(a.target.timeout_ms.max(1));
        Ok::<_, CliError>(
            netfuzz::resend(&target, &request, rep.frame, rep.is_head(), timeout).await,
        )
    }
    .await;
    started.stop().await;
    let (outcome, elapsed, verdict) = result?;
    // Sensitive values are read from the request body when it is JSON; otherwise the response
    // body is not shown, since nothing says what in it would be secret.
    let body_start = request
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(request.len(), |i| i + 4);
    let sensitive = cat
        .operation(&rep.operation)
        .map(|o| o.sensitive.clone())
        .unwrap_or_default();
    let secrets = serde_json::from_slice::<serde_json::Value>(&request[body_start..])
        .ok()
        .map(|v| crate::redact::secrets(&sensitive, &v));
    let mut observed = netfuzz::observed(&outcome, elapsed, secrets.as_deref().unwrap_or(&[]));
    if secrets.is_none() {
        if let Some(b) = &mut observed.body_excerpt {
            *b = format!(
                "<{} characters, not shown: the request body is not JSON>",
                b.chars().count()
            );
        }
    }
    println!("reproducer {shown}");
    println!(
        "recorded  {} ({})",
        rep.kind.as_str(),
        crate::report::one_line(&rep.detail)
    );
    println!("signature {}", crate::report::one_line(&rep.signature));
    println!("request   {} bytes to {}", request.len(), a.target.target);
    println!("  {}", rep.request_preview);
    println!(
        "response  {} in {} ms",
        observed.outcome, observed.elapsed_ms
    );
    for (k, v) in &observed.headers {
        println!("  {k}: {}", crate::report::one_line(v));
    }
    if let Some(b) = &observed.body_excerpt {
        println!("  {b}");
    }
    Ok(match verdict {
        Some((kind, detail)) => {
            let same = if kind == rep.kind {
                ""
            } else {
                " (a different kind than recorded)"
            };
            println!(
                "verdict   reproduces: {} ({}){same}",
                kind.as_str(),
                crate::report::one_line(&detail)
            );
            ExitCode::ContractFailure
        }
        None => {
            println!("verdict   does not reproduce");
            ExitCode::Pass
        }
    })
}
