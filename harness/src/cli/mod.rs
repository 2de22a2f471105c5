//! The command line: parses arguments, wires the stages together, and maps every failure to the
//! one exit-code table of [`crate::exit`]. Thin by design: the stages do the work.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use thiserror::Error;

mod endpoint;

use crate::exit::ExitCode;
use crate::model::{import, Catalogue, Operation};
use crate::netfuzz::{self, NetFuzzError};
use crate::reference::{self, Reference};
use crate::report::{conformance_markdown, NamedReport, ReportError, ReportFile, Summary};
use crate::scenario::{self, codes};
use crate::session::{self, Plan, RunError, RunOptions, Target, TargetSpec};

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
  0  every case passed (run --snapshot: no drift, even if cases fail)
  1  usage: the command line is wrong (also a non-loopback target without --allow-live, or
     a live run not confirmed with --yes or on the terminal: then nothing is sent)
  2  bad input: schemas, expectations, a model, a report.json or a reproducer that cannot be
     read
  3  runtime: the target could not be reached or provisioned, cases could not be judged
     (timeouts, answers over --max-response-bytes), the run passed its --deadline, a report
     or snapshot could not be read or written
  4  contract failures: at least one case failed (not with run --snapshot), or with
     --fail-on-skip was skipped; fuzz: at least one new finding of a non-timing kind
  5  drift: the answers differ from the snapshots (run --snapshot; also a missing baseline
     under --fail-on-skip or CI=true), or committed files differ from what the command
     produces (schemas import --check)
130  interrupted (SIGINT or SIGTERM): the run stopped sending, wrote its reports marked
     incomplete and deleted what it had created; a second signal quits at once

With --snapshot DIR, the committed snapshots are the baseline: failing cases they record
are known divergences, and only a difference from them (drift) fails the run.";

const FUZZ_AFTER_HELP: &str = "Findings: server_error (a 5xx), envelope (an answer outside \
awsJson1_1), and the timing kinds hang (no answer within --timeout-ms), dropped (a well-framed \
request's connection closed without an answer) and unresponsive (the target stopped answering).
Timing kinds depend on load and connection handling as much as on the request: they are \
reported, never compared with the baseline, and never fail the run.

Baselines: with --baseline FILE, findings whose signature FILE lists are known and do not fail \
the run; only a new finding of a non-timing kind exits 4. FILE is a baseline written by \
--update or a fuzz-summary.json. --baseline FILE --update records this run's non-timing \
findings into FILE and exits 0. A run bounded by --max-requests with a fixed --seed draws the \
same requests every time, so against the same target version it finds the same signatures; \
a run cut short by --duration finds fewer.

Exit codes: 0 no new finding (or --update), 1 usage, 2 unreadable baseline, 3 target \
unreachable or output not writable, 4 at least one new non-timing finding.";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate cases, replay them against a target, check every answer, write reports.
    #[command(after_help = AFTER_HELP)]
    Run(RunArgs),
    /// Print the generated cases as JSON lines, without sending anything.
    Cases(CasesArgs),
    /// Re-send one case by id (or a fuzz finding's reproducer) and print what came back.
    Replay(ReplayArgs),
    /// Fuzz an endpoint's request parser with mutated requests; save findings as reproducers.
    #[command(after_help = FUZZ_AFTER_HELP)]
    Fuzz(FuzzArgs),
    /// Run the embedded reference target on 127.0.0.1 until interrupted (over TLS with
    /// --tls-cert and --tls-key).
    Serve(ServeArgs),
    /// Compare several runs' report.json in one Markdown document (docs/conformance.md), and
    /// with --html in one HTML page.
    Conformance(ConformanceArgs),
    /// Join the report.json of a run's CI shards (run --partition hash:K/N) into one set of
    /// reports: report.json, junit.xml, report.md and report.html. Exits as the whole run would.
    Merge(MergeArgs),
    /// Compare two snapshot directories case by case (an emulator against a recorded AWS
    /// baseline): the differences as a Markdown table. Exit 0 when none, 5 when some.
    Diff(DiffArgs),
    /// Print the JSON skeleton of an operation's input (or --output), like the AWS CLI's
    /// --generate-cli-skeleton.
    Skeleton(endpoint::SkeletonArgs),
    /// Validate an input against the operation's schema, then sign, send and print the answer.
    Call(endpoint::CallArgs),
    /// Find and delete the pools earlier runs left on a target (named cognate-..., at least
    /// --older-than old).
    Cleanup(endpoint::CleanupArgs),
    /// Work with the derived JSON Schemas.
    #[command(subcommand)]
    Schemas(SchemasCommand),
}

#[derive(Debug, Args)]
pub struct Selection {
    /// Operations to test: names or globs (`Admin*`), repeatable or comma-separated. Default:
    /// every operation with a pack in fixtures/expectations/, and every scenario.
    #[arg(long = "operation", value_name = "NAME|GLOB")]
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
    /// Run one CI shard: hash:K/N takes the cases (whole scenarios, whole sequences) whose id
    /// hashes to shard K of N. `cognate merge` joins the shards' reports into one.
    #[arg(long, value_name = "hash:K/N", value_parser = partition_arg)]
    pub partition: Option<crate::partition::Partition>,
}

fn partition_arg(s: &str) -> Result<crate::partition::Partition, String> {
    s.parse()
}

#[derive(Debug, Args)]
pub struct TargetArgs {
    /// `reference` (the embedded target, started in-process), a profile of cognate.toml
    /// (`moto`, `cognito-local`, `floci`, `localstack`), a URL such as http://127.0.0.1:5000 or
    /// https://127.0.0.1:8443, or `aws` (the real service in --region: a live target).
    #[arg(long, default_value = "reference")]
    pub target: String,
    /// The profiles file (default: cognate.toml in the working directory, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Allow a target outside 127.0.0.0/8, ::1 and localhost (a live service): a plan is printed
    /// and the run waits for --yes or a confirmation on the terminal.
    #[arg(long)]
    pub allow_live: bool,
    /// With --allow-live: send without asking (a non-terminal run without it sends nothing).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Region for SigV4 signing of admin operations (default: the AWS chain's for live targets,
    /// else the profile's, else us-east-1).
    #[arg(long)]
    pub region: Option<String>,
    /// A profile of the shared AWS config and credentials files: credentials come from the AWS
    /// chain with it (also for a loopback target).
    #[arg(long = "profile", value_name = "NAME")]
    pub aws_profile: Option<String>,
    /// Credentials from the standard AWS chain (environment, shared files, SSO, web identity,
    /// container and instance metadata) for a loopback target too; live targets always use it,
    /// loopback targets otherwise get the public test keys.
    #[arg(long)]
    pub aws_credentials: bool,
    /// Trust the CA certificates of this PEM file (and only them) for an https:// target.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Accept any certificate of an https:// target (encrypted, not authenticated); the run
    /// says so loudly.
    #[arg(long, conflicts_with = "ca_cert")]
    pub insecure: bool,
    /// Requests per second at most (default: 5 on a live target, else no limit).
    #[arg(long, value_name = "N", value_parser = rate_arg)]
    pub rate: Option<f64>,
    /// Retries of a throttled answer (TooManyRequests, Throttling, LimitExceeded) after a
    /// jittered backoff (default: 3 on a live target, else 0). Counted, never a verdict.
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// Requests in flight at once (default: the profile's `concurrency`, else 8).
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Per-request timeout in milliseconds.
    #[arg(long, default_value_t = 10_000, value_name = "MS")]
    pub timeout_ms: u64,
    /// The longest answer read, in bytes: a longer one is an error verdict and its connection
    /// is closed, so that a target that streams without end cannot take the harness's memory
    /// (default: the profile's `max_response_bytes`, else 1048576, a MiB).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_response_bytes: Option<u64>,
    /// How the stateful scenarios learn a confirmation code on this target: a shell command
    /// (`sh -c`) given the pool id, username and kind of code (`confirmation` or `verification`)
    /// in COGNATE_POOL_ID, COGNATE_USERNAME and COGNATE_CODE_KIND (also $1, $2 and $3),
    /// printing the code on its first line. Overrides the profile's code_source.
    #[arg(long, value_name = "CMD")]
    pub code_command: Option<String>,
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
    /// Compare the answers with the regression snapshots in DIR (one <Operation>.snap per
    /// operation), writing those that are missing: drift exits 5, no drift exits 0 even when
    /// cases fail (the baseline records them).
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,
    /// With --snapshot: rewrite the snapshots with this run's answers instead of comparing.
    #[arg(long, requires = "snapshot")]
    pub update: bool,
    /// Any skip (an operation the target does not implement) fails the run with exit 4, and a
    /// missing snapshot baseline is not written but fails with exit 5 (also when CI=true).
    #[arg(long)]
    pub fail_on_skip: bool,
    /// Stop sending when this much time has passed (90s, 10m, 1h): the reports say the run is
    /// incomplete and how far it got, and it exits 3 (4 if a case failed).
    #[arg(long, value_name = "DURATION", value_parser = crate::session::parse_duration)]
    pub deadline: Option<Duration>,
    #[command(flatten)]
    pub stateful: StatefulArgs,
}

/// The stateful suite: scenarios from data and property-based sequences.
#[derive(Debug, Args)]
pub struct StatefulArgs {
    /// Leave out the stateful suite: the scenarios and the property-based sequences (they run
    /// after the stateless cases; with --operation, a scenario runs when every operation it
    /// uses is selected).
    #[arg(long)]
    pub no_scenarios: bool,
    /// Property-based sequences of each family (password recovery: ForgotPassword,
    /// ConfirmForgotPassword and InitiateAuth; user life cycles: the admin user operations,
    /// SignUp and InitiateAuth; sign-in sessions: sign-in, refresh, GetUser, sign-out,
    /// RevokeToken, ChangePassword, disable and enable), checked against the harness's models of the contract, a
    /// failing one shrunk to a minimal sequence (0 leaves them out). The same --seed gives the
    /// same sequences.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub sequences: usize,
    /// Read scenarios from this directory instead of the copy built into the binary.
    #[arg(long, value_name = "DIR")]
    pub scenario_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' report directories (each with its report.json), or their report.json files.
    #[arg(required = true, value_name = "REPORT_DIR")]
    pub shards: Vec<PathBuf>,
    /// Where the merged reports go.
    #[arg(long, default_value = "reports", value_name = "DIR")]
    pub report_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ConformanceArgs {
    /// A run's report.json and the column name it gets, as NAME=PATH (repeatable; the columns
    /// keep this order).
    #[arg(long = "report", value_name = "NAME=PATH", required = true, value_parser = named_report)]
    pub reports: Vec<(String, PathBuf)>,
    /// The Markdown file to write; standard output when absent.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also write the comparison as one self-contained HTML page: the conformance view, then
    /// each target's verdicts with filters.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

fn named_report(s: &str) -> Result<(String, PathBuf), String> {
    match s.split_once('=') {
        Some((name, path)) if !name.trim().is_empty() && !path.is_empty() => {
            Ok((name.trim().to_owned(), PathBuf::from(path)))
        }
        _ => Err(format!("{s:?} is not NAME=PATH")),
    }
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
    /// The case id, as reports print it: a stateless case, a scenario step (the scenario runs
    /// up to it), or a property-based sequence or one of its steps (`<sequence id>.<n>`: the
    /// sequence runs, and is shrunk again if it fails).
    #[arg(required_unless_present = "reproducer")]
    pub case_id: Option<String>,
    /// A reproducer written by `cognate fuzz` (finding-NNN-<kind>.json): its raw request is sent
    /// again, byte for byte. Exit 4 when it still gives a finding, 0 when it does not.
    #[arg(long, value_name = "FILE", conflicts_with = "case_id")]
    pub reproducer: Option<PathBuf>,
    /// Read scenarios from this directory instead of the copy built into the binary.
    #[arg(long, value_name = "DIR")]
    pub scenario_dir: Option<PathBuf>,
    #[command(flatten)]
    pub selection: Selection,
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Args)]
pub struct FuzzArgs {
    /// `reference` (the embedded target, started in-process), a profile of cognate.toml
    /// (`moto`, `cognito-local`: its URL; its reset endpoint is called first), or an http://
    /// URL such as http://127.0.0.1:5000. Plain http:// only: the fuzzer speaks no TLS.
    #[arg(long, default_value = "reference")]
    pub target: String,
    /// The profiles file (default: cognate.toml in the working directory, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Allow a target outside 127.0.0.0/8, ::1 and localhost (a live service).
    #[arg(long)]
    pub allow_live: bool,
    /// How long to fuzz: 500ms, 10s, 2m, 1h (a bare number is seconds).
    #[arg(long, default_value = "60s", value_parser = duration_arg)]
    pub duration: Duration,
    /// Mutated requests to send at most; minimisation (at most 200 a finding) and liveness
    /// checks come on top, so the same seed and bound draw the same requests every time.
    #[arg(long, default_value_t = FUZZ_UNBOUNDED, value_name = "N")]
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
    /// Operations to fuzz: names or globs (`Admin*`), repeatable or comma-separated. Default:
    /// every operation of the model.
    #[arg(long = "operation", value_name = "NAME")]
    pub operations: Vec<String>,
    /// Reproducers to save at most, for timing and other kinds each; further distinct findings
    /// are only counted, and not compared with the baseline.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub max_findings: usize,
    /// A baseline (written by --update) or a fuzz-summary.json whose findings are known: they
    /// are reported but do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write this run's non-timing findings into the --baseline file instead of comparing.
    #[arg(long, requires = "baseline")]
    pub update: bool,
}

/// `5`, `5/s` or `0.5/s`: requests per second, above zero.
fn rate_arg(s: &str) -> Result<f64, String> {
    let n = s.trim().trim_end_matches("/s");
    match n.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => Ok(r),
        _ => Err(format!("{s:?} is not a rate such as 5 or 5/s")),
    }
}

fn duration_arg(s: &str) -> Result<Duration, String> {
    crate::netfuzz::parse_duration(s)
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 9229)]
    pub port: u16,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Accept SigV4 signatures of this access key too (beside the public test key), with the
    /// secret key in COGNATE_SECRET_KEY: to check credentials the AWS chain resolves.
    #[arg(long, value_name = "KEY", requires = "secret_key")]
    pub access_key: Option<String>,
    /// The secret of --access-key (from the environment, so that it is not in the process list).
    #[arg(
        long,
        env = "COGNATE_SECRET_KEY",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub secret_key: Option<String>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The first snapshot directory (for example fixtures/snapshots/aws, the baseline).
    pub a: PathBuf,
    /// The second snapshot directory (for example fixtures/snapshots/moto).
    pub b: PathBuf,
    /// The column names (default: the directories' names).
    #[arg(long, value_name = "NAME", num_args = 2)]
    pub names: Vec<String>,
    /// The Markdown file to write; standard output when absent.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
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
    /// What a run's stages report (schemas, packs, targets, reports): the session's errors.
    #[error(transparent)]
    Run(#[from] RunError),
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
    Report(#[from] ReportError),
    #[error("cannot start the reference target: {0}")]
    Serve(std::io::Error),
    #[error("no case {id} among the {count} cases of seed {seed}, the scenario steps or the sequences of that seed (check --seed, --cases and --operation)")]
    NoSuchCase { id: String, count: usize, seed: u64 },
    #[error("{0} file(s) differ from a fresh import:\n{1}")]
    Drift(usize, String),
    #[error("{path} is not a report.json this cognate can read: {message}")]
    BadReport { path: String, message: String },
    #[error("two --report arguments are named {0:?}; each column needs its own name")]
    DuplicateReport(String),
    #[error(transparent)]
    NetFuzz(#[from] NetFuzzError),
    #[error("{path}: not a reproducer: {reason}")]
    Reproducer { path: String, reason: String },
    #[error("{0}")]
    Usage(String),
    #[error("cannot merge: {0}")]
    Merge(String),
    #[error("{path}: {why}")]
    Input { path: String, why: String },
    #[error(transparent)]
    Skeleton(#[from] crate::skeleton::SkeletonError),
    #[error("live run not confirmed ({0}); nothing was sent")]
    NotConfirmed(String),
    #[error("--tls-cert/--tls-key: {0}")]
    Tls(#[from] crate::tls::TlsError),
}

impl CliError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Run(e) => e.exit_code(),
            CliError::Import { .. }
            | CliError::Read { .. }
            | CliError::BadReport { .. }
            | CliError::Reproducer { .. }
            | CliError::Input { .. }
            | CliError::Merge(_)
            | CliError::Tls(_)
            | CliError::NetFuzz(
                NetFuzzError::NoOperations
                | NetFuzzError::Baseline { .. }
                | NetFuzzError::Read { .. },
            ) => ExitCode::BadInput,
            CliError::NetFuzz(NetFuzzError::Scheme(_) | NetFuzzError::BadUrl(_)) => ExitCode::Usage,
            CliError::NoSuchCase { .. }
            | CliError::DuplicateReport(_)
            | CliError::Usage(_)
            | CliError::Skeleton(crate::skeleton::SkeletonError::UnknownOperation { .. })
            | CliError::NotConfirmed(_) => ExitCode::Usage,
            CliError::Skeleton(_) => ExitCode::BadInput,
            CliError::Drift(..) => ExitCode::SnapshotDrift,
            CliError::Write { .. }
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
    // `run` and `replay` drive their requests from one thread: on a multi-threaded runtime every
    // answer is handed across threads, which costs more than checking it. The embedded target
    // they start runs on a thread of its own.
    let mut builder = match cli.command {
        Command::Run(_) | Command::Replay(_) | Command::Call(_) | Command::Cleanup(_) => {
            tokio::runtime::Builder::new_current_thread()
        }
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    let rt = match builder.enable_all().build() {
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
        Command::Conformance(a) => conformance(a),
        Command::Merge(a) => merge_cmd(a),
        Command::Diff(a) => diff_cmd(a),
        Command::Skeleton(a) => endpoint::skeleton_cmd(a),
        Command::Call(a) => endpoint::call_cmd(a).await,
        Command::Cleanup(a) => endpoint::cleanup_cmd(a).await,
        Command::Schemas(SchemasCommand::Import { model, out, check }) => {
            schemas_import(&model, &out, check)
        }
    }
}

impl Selection {
    /// The library's selection, with the stateful suite's arguments where the command has them.
    fn session(&self, stateful: Option<&StatefulArgs>) -> session::Selection {
        session::Selection {
            operations: self.operations.clone(),
            all_operations: self.all_operations,
            seed: self.seed,
            extra: self.extra,
            schemas: self.schemas.clone(),
            expectations: self.expectations.clone(),
            scenario_dir: stateful.and_then(|s| s.scenario_dir.clone()),
            no_scenarios: stateful.is_some_and(|s| s.no_scenarios),
            sequences: stateful.map_or(0, |s| s.sequences),
            partition: self.partition,
        }
    }
}

impl TargetArgs {
    fn spec(&self) -> TargetSpec {
        TargetSpec {
            target: self.target.clone(),
            config: self.config.clone(),
            allow_live: self.allow_live,
            region: self.region.clone(),
            concurrency: self.concurrency,
            timeout: Duration::from_millis(self.timeout_ms.max(1)),
            code_command: self.code_command.clone(),
            any_signature: false,
            trust: crate::tls::Trust {
                ca_cert: self.ca_cert.clone(),
                insecure: self.insecure,
            },
            rate: self.rate,
            retries: self.retries,
            aws_profile: self.aws_profile.clone(),
            aws_chain: self.aws_credentials,
            max_response_bytes: self.max_response_bytes,
        }
    }
}

async fn run(a: RunArgs) -> Result<ExitCode, CliError> {
    if a.selection.partition.is_some() && a.snapshot.is_some() {
        return Err(CliError::Usage(
            "--partition cannot be used with --snapshot: a shard holds part of each operation's \
             cases; compare the snapshots in an unsharded run"
                .into(),
        ));
    }
    // Signals from now on stop the run instead of killing the process.
    let stopper = session::Stopper::default();
    let signals = tokio::spawn(on_signals(stopper.clone()));
    let plan = Plan::new(&a.selection.session(Some(&a.stateful)))?;
    let target = Target::start(&a.target.spec(), plan.catalogue).await?;
    let options = RunOptions {
        report_dir: a.report_dir.clone(),
        quiet: a.quiet,
        snapshot: a.snapshot.clone(),
        update: a.update,
        fail_on_skip: a.fail_on_skip,
        ci: std::env::var("CI").is_ok_and(|v| v == "true"),
        deadline: a.deadline,
        stopper: Some(stopper.clone()),
    };
    if target.live {
        let (cases, _) = plan.cases()?;
        if let Err(e) = endpoint::confirm_live(
            &target,
            &endpoint::run_plan_line(&plan, cases),
            a.target.yes,
        )
        .await
        {
            target.stop().await;
            return Err(e);
        }
    }
    // A signal stops the run where it is: it writes its reports, marked incomplete, and
    // deletes what it created; the sweep then deletes what an error left behind.
    let result = session::run(&plan, &target, &options).await;
    let sweep = target.sweep().await;
    if !sweep.deleted.is_empty() || !sweep.left.is_empty() {
        eprintln!("{}", sweep.render());
    }
    target.stop().await;
    signals.abort();
    if stopper.interrupted() && result.is_err() {
        // Stopped before the first case (while provisioning): nothing to report.
        eprintln!("interrupted before the first case; no report was written");
        return Ok(ExitCode::Interrupted);
    }
    let outcome = result?;
    if let Some(snapshot) = &outcome.snapshot {
        // In snapshot mode the result is drift or not (and skips under --fail-on-skip).
        println!("\n{}", snapshot.render().trim_end());
        if outcome.exit == ExitCode::ContractFailure {
            println!(
                "{} case(s) skipped, and --fail-on-skip is set",
                outcome.summary.totals().skip
            );
        }
        println!(
            "\nresult: {} (exit {})",
            outcome.exit.name(),
            outcome.exit.code()
        );
    }
    Ok(outcome.exit)
}

/// Waits for SIGINT or SIGTERM and stops the run; a second one ends the process at once.
async fn on_signals(stopper: session::Stopper) {
    let Some(mut signals) = Signals::new() else {
        return;
    };
    let first = signals.next().await;
    eprintln!(
        "\n{first}: stopping; the requests out get {} s, then the reports are written and what \
         the run created is deleted (a second signal quits at once)",
        session::GRACE.as_secs()
    );
    stopper.interrupt(first);
    let second = signals.next().await;
    eprintln!("{second}: quitting at once; no report is written and what the run created stays");
    std::process::exit(ExitCode::Interrupted.code());
}

/// The signals that stop a run: SIGINT (Ctrl-C) and SIGTERM (a CI runner cancelling a job).
#[cfg(unix)]
struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn new() -> Option<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Some(Signals {
            int: signal(SignalKind::interrupt()).ok()?,
            term: signal(SignalKind::terminate()).ok()?,
        })
    }

    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.int.recv() => "SIGINT",
            _ = self.term.recv() => "SIGTERM",
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> Option<Signals> {
        Some(Signals)
    }

    async fn next(&mut self) -> &'static str {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

fn cases_cmd(a: CasesArgs) -> Result<ExitCode, CliError> {
    use std::io::Write as _;
    let plan = Plan::new(&a.selection.session(None))?;
    let (_, cases) = plan.cases()?;
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let mut line = String::new();
    for c in cases {
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
        line.clear();
        line.push_str(&v.to_string());
        line.push('\n');
        // A closed pipe (`| head`) is not an error worth reporting, only a reason to stop.
        if stdout.write_all(line.as_bytes()).is_err() {
            return Ok(ExitCode::Pass);
        }
    }
    let _ = stdout.flush();
    Ok(ExitCode::Pass)
}

async fn replay_cmd(a: ReplayArgs) -> Result<ExitCode, CliError> {
    let plan = Plan::new(&a.selection.session(None))?;
    let cat = plan.catalogue;
    let case_id = a.case_id.clone().unwrap_or_default();
    let (count, what) = session::find(&plan, &case_id, a.scenario_dir.as_deref())?;
    let what = what.ok_or_else(|| CliError::NoSuchCase {
        id: case_id.clone(),
        count,
        seed: a.selection.seed,
    })?;
    let started = Target::start(&a.target.spec(), cat).await?;
    if let Err(e) =
        endpoint::confirm_live(&started, &format!("a replay of {case_id}"), a.target.yes).await
    {
        started.stop().await;
        return Err(e);
    }
    let result = session::replay(&plan, &started, &what).await;
    let sweep = started.sweep().await;
    if !sweep.deleted.is_empty() || !sweep.left.is_empty() {
        eprintln!("{}", sweep.render());
    }
    started.stop().await;
    let replayed = result?;
    if let Some(n) = &replayed.note {
        println!("{n}");
    }
    let (runs, shown_from) = (&replayed.runs, replayed.shown_from);
    for r in &runs[..shown_from] {
        let status = format!("{:?}", r.verdict.status).to_lowercase();
        println!("step      {} {status}: {}", r.case.id, r.case.label);
    }
    for (i, r) in runs[shown_from..].iter().enumerate() {
        if i > 0 {
            println!();
        }
        print_run(cat, r);
    }
    for u in &replayed.undeleted {
        eprintln!("warning: not deleted: {u}");
    }
    let summary = Summary::from_verdicts(runs[shown_from..].iter().map(|r| &r.verdict));
    Ok(summary.exit_code())
}

/// One replayed request: what went out and came back (credentials redacted), and its verdict.
fn print_run(cat: &Catalogue, run: &scenario::StepRun) {
    let (case, verdict) = (&run.case, &run.verdict);
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
    match &run.exchange {
        None => println!("request   not sent"),
        Some(exchange) => {
            println!("request   POST {}", exchange.sent.url);
            for (k, v) in &exchange.sent.headers {
                let v = if crate::redact::CREDENTIAL_HEADERS.contains(&k.as_str()) {
                    crate::redact::REDACTED
                } else {
                    v.as_str()
                };
                println!("  {k}: {v}");
            }
            let sent = String::from_utf8_lossy(&exchange.sent.body);
            println!("  {}", crate::redact::redact_body(&sensitive, &sent));
            let mut secrets = serde_json::from_str(&sent)
                .map(|v| crate::redact::secrets(&sensitive, &v))
                .unwrap_or_default();
            match &exchange.result {
                Ok(r) => {
                    // Tokens a success carries are credentials too.
                    if let Ok(body) = serde_json::from_slice(&r.body) {
                        secrets.extend(crate::redact::named_secrets(&body));
                    }
                    let shown = |t: &str| crate::redact::redact(t, &secrets);
                    let ms = exchange.elapsed.as_millis();
                    println!("response  HTTP {} in {ms} ms", r.status);
                    for (k, v) in &r.headers {
                        if k.eq_ignore_ascii_case(codes::MOTO_HEADER) {
                            println!("  {k}: {}", crate::redact::REDACTED);
                        } else {
                            println!("  {k}: {}", shown(v));
                        }
                    }
                    println!("  {}", shown(&String::from_utf8_lossy(&r.body)));
                }
                Err(e) => println!("response  none: {e}"),
            }
        }
    }
    let status = verdict.status.as_str();
    match &verdict.reason {
        Some(why) if run.exchange.is_none() || verdict.status != crate::check::Status::Pass => {
            println!("verdict   {status}: {why}")
        }
        _ => println!("verdict   {status}"),
    }
    for c in &verdict.checks {
        let outcome = match c.outcome.reason() {
            None => c.outcome.as_str().to_owned(),
            Some(why) => format!("{}: {why}", c.outcome.as_str()),
        };
        println!("  {:<16} {outcome}", c.check.as_str());
    }
}

async fn serve(a: ServeArgs) -> Result<ExitCode, CliError> {
    let mut r = Reference::new(Catalogue::embedded());
    if let (Some(ak), Some(sk)) = (&a.access_key, &a.secret_key) {
        r = r.with_account(ak, sk);
    }
    let r = Arc::new(r);
    let addr = ([127, 0, 0, 1], a.port).into();
    let (server, scheme) = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => {
            let tls = crate::tls::server_config(cert, key)?;
            let s = reference::spawn_tls(r, addr, tls).await;
            (s.map_err(CliError::Serve)?, "https")
        }
        _ => (
            reference::spawn(r, addr).await.map_err(CliError::Serve)?,
            "http",
        ),
    };
    // One write, and none that can fail the server: whoever started it may have stopped
    // reading its standard error.
    let banner = format!(
        "cognate reference target listening on {scheme}://{} (Ctrl-C stops it)\n\
         admin operations are SigV4-verified: sign them with access key {} and secret key {} \
         (public test values), region us-east-1{}",
        server.addr,
        crate::model::wire::TEST_ACCESS_KEY,
        crate::model::wire::TEST_SECRET_KEY,
        a.access_key
            .as_deref()
            .map(|k| format!(", or with access key {}", crate::redact::key_tail(k)))
            .unwrap_or_default(),
    );
    {
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "{banner}");
    }
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    Ok(ExitCode::Pass)
}

fn diff_cmd(a: DiffArgs) -> Result<ExitCode, CliError> {
    let d = crate::report::diff_dirs(&a.a, &a.b)?;
    let name = |p: &Path, i: usize| {
        a.names.get(i).cloned().unwrap_or_else(|| {
            p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        })
    };
    let markdown = d.to_markdown(&name(&a.a, 0), &name(&a.b, 1));
    match &a.out {
        Some(path) => std::fs::write(path, &markdown).map_err(|source| CliError::Write {
            path: path.display().to_string(),
            source,
        })?,
        None => print!("{markdown}"),
    }
    Ok(if d.is_empty() {
        ExitCode::Pass
    } else {
        ExitCode::SnapshotDrift
    })
}

fn conformance(a: ConformanceArgs) -> Result<ExitCode, CliError> {
    let mut reports = Vec::with_capacity(a.reports.len());
    for (name, path) in &a.reports {
        if reports.iter().any(|r: &NamedReport| &r.name == name) {
            return Err(CliError::DuplicateReport(name.clone()));
        }
        reports.push(NamedReport {
            name: name.clone(),
            report: read_report(path)?,
        });
    }
    if let Some(path) = &a.html {
        crate::report::write_file(path, crate::report::html(&reports).as_bytes())?;
        eprintln!("wrote {}", path.display());
    }
    let doc = conformance_markdown(&reports);
    match &a.out {
        Some(path) => {
            crate::report::write_file(path, doc.as_bytes())?;
            eprintln!("wrote {}", path.display());
        }
        None => {
            use std::io::Write as _;
            let _ = std::io::stdout().lock().write_all(doc.as_bytes());
        }
    }
    Ok(ExitCode::Pass)
}

/// A report.json, in the format this cognate writes.
fn read_report(path: &Path) -> Result<ReportFile, CliError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: shown.clone(),
        source,
    })?;
    let report: ReportFile = serde_json::from_str(&text).map_err(|e| CliError::BadReport {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    if report.format != crate::report::FORMAT {
        return Err(CliError::BadReport {
            path: shown,
            message: format!(
                "format {}, this cognate reads format {}",
                report.format,
                crate::report::FORMAT
            ),
        });
    }
    Ok(report)
}

fn merge_cmd(a: MergeArgs) -> Result<ExitCode, CliError> {
    use crate::report::{Reporter, Terminal, JSON_FILE};
    let mut shards = Vec::with_capacity(a.shards.len());
    for given in &a.shards {
        let path = if given.is_dir() {
            given.join(JSON_FILE)
        } else {
            given.clone()
        };
        shards.push(NamedReport {
            name: path.display().to_string(),
            report: read_report(&path)?,
        });
    }
    let count = shards.len();
    let merged = crate::report::merge(shards).map_err(|e| CliError::Merge(e.to_string()))?;
    let mut reporter = Reporter::new();
    reporter
        // No progress bar: the verdicts are all there at once.
        .add(Terminal::stdout().quiet(true))
        .add_files(&a.report_dir);
    for e in merged.events() {
        reporter.event(&e);
    }
    let summary = reporter.finish()?;
    eprintln!("merged {count} shards into {}", a.report_dir.display());
    Ok(summary.exit_code())
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
        crate::files::write(&out.join(rel), content.as_bytes()).map_err(|e| CliError::Write {
            path: e.path.display().to_string(),
            source: e.source,
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
        session::select(cat, &a.operations)?
            .iter()
            .filter_map(|n| cat.operation(n))
            .collect()
    };
    let known = match (&a.baseline, a.update) {
        (Some(path), false) => netfuzz::Known::read(path)?,
        _ => netfuzz::Known::default(),
    };
    let max_requests = a.max_requests.max(1);
    // A baseline recorded with another seed or bound lists other findings; say so, since every
    // difference would then read as new or missing.
    if known.seed.is_some_and(|s| s != a.seed)
        || known.max_requests.is_some_and(|m| m != max_requests)
    {
        eprintln!(
            "warning: the baseline was recorded with --seed {} --max-requests {}, this run uses \
             --seed {} --max-requests {}",
            known.seed.unwrap_or_default(),
            known.max_requests.unwrap_or_default(),
            a.seed,
            max_requests
        );
    }
    let spec = TargetSpec {
        target: a.target.clone(),
        config: a.config.clone(),
        allow_live: a.allow_live,
        concurrency: Some(1),
        timeout: Duration::from_millis(a.timeout_ms.max(1)),
        any_signature: true,
        ..TargetSpec::default()
    };
    let started = Target::start(&spec, cat).await?;
    let result = async {
        // A profile's reset (moto's in-memory state) first, so that earlier runs' state does
        // not change what this one finds.
        started.reset(&started.client()?).await?;
        let target = netfuzz::Target::resolve(&started.url).await?;
        let cfg = netfuzz::Config {
            seed: a.seed,
            duration: a.duration,
            max_requests,
            timeout: Duration::from_millis(a.timeout_ms.max(1)),
            max_findings: a.max_findings,
        };
        eprintln!(
            "fuzzing {} ({} operations, seed {}) for up to {:.1} s or {} mutated requests",
            a.target,
            ops.len(),
            a.seed,
            a.duration.as_secs_f64(),
            max_requests
        );
        Ok::<_, CliError>(netfuzz::run(&target, cat, &ops, &cfg).await?)
    }
    .await;
    started.stop().await;
    let result = result?;
    let summary = netfuzz::write_results(&a.out, &a.target, a.seed, &result, &known.signatures)?;
    println!(
        "cognate fuzz: {} requests ({} mutated) in {:.1} s ({} req/s) against {}, seed {}",
        summary.requests,
        summary.mutated,
        result.elapsed.as_secs_f64(),
        summary.requests_per_second,
        a.target,
        a.seed
    );
    if let Some(why) = &summary.stopped {
        println!("stopped early: {why}");
    } else if summary.mutated < max_requests && a.max_requests < FUZZ_UNBOUNDED {
        println!(
            "note: --duration ran out after {} of {max_requests} mutated requests; a run cut \
             short by time may find fewer than the baseline lists",
            summary.mutated
        );
    }
    print_findings(&a, &summary);
    eprintln!("summary: {}", a.out.join(netfuzz::SUMMARY_FILE).display());
    if let (true, Some(path)) = (a.update, a.baseline.as_deref()) {
        let baseline = netfuzz::Baseline::from_summary(&summary, max_requests);
        baseline.write(path)?;
        println!(
            "baseline {} recorded: {} finding(s)",
            path.display(),
            baseline.findings.len()
        );
        return Ok(ExitCode::Pass);
    }
    Ok(if summary.new_findings().next().is_some() {
        ExitCode::ContractFailure
    } else {
        ExitCode::Pass
    })
}

/// `--max-requests`' default: a run bounded by time alone.
const FUZZ_UNBOUNDED: u64 = 1_000_000;

/// The findings on the terminal: new ones and timing ones in full, known ones counted (the
/// summary file lists them all).
fn print_findings(a: &FuzzArgs, summary: &netfuzz::SummaryFile) {
    if summary.occurrences.is_empty() {
        println!("no findings");
        return;
    }
    let by_kind: Vec<String> = summary
        .occurrences
        .iter()
        .map(|(k, n)| format!("{} {n}", k.as_str()))
        .collect();
    println!("findings, every occurrence: {}", by_kind.join(", "));
    let new = summary.new_findings().count();
    let known = summary.findings.iter().filter(|f| f.known).count();
    let timing = summary.findings.iter().filter(|f| f.timing).count();
    println!(
        "distinct: {new} new, {known} known (in the baseline), {timing} of a timing kind \
         (reported, never fail the run); reproducers in {}",
        a.out.display()
    );
    // With --update every finding is "new" against the baseline being replaced: the file
    // lists them instead.
    for f in summary.findings.iter().filter(|f| !f.known && !a.update) {
        let label = if f.timing { "timing" } else { "NEW" };
        println!(
            "  {label:<6} {:<13} {}\n                       {}  {}",
            f.kind.as_str(),
            crate::report::one_line(&f.signature),
            f.file,
            crate::report::one_line(&f.detail)
        );
    }
    if summary.not_saved > 0 {
        println!(
            "{} more distinct finding(s) past --max-findings {}: counted, not saved or compared",
            summary.not_saved, a.max_findings
        );
    }
    if a.baseline.is_some() && !summary.baseline_missing.is_empty() {
        println!(
            "{} baseline finding(s) not found this run (fixed, or not reached):",
            summary.baseline_missing.len()
        );
        for s in &summary.baseline_missing {
            println!("  {}", crate::report::one_line(s));
        }
    }
}

/// The reference target started in-process, a profile of the profiles file, or a URL checked
/// against `--allow-live`.
async fn start_url(
    target: &str,
    config: Option<&Path>,
    allow_live: bool,
    cat: &'static Catalogue,
) -> Result<Target, CliError> {
    let spec = TargetSpec {
        target: target.to_owned(),
        config: config.map(Path::to_path_buf),
        allow_live,
        concurrency: Some(1),
        ..TargetSpec::default()
    };
    Ok(Target::start(&spec, cat).await?)
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
    let started = start_url(
        &a.target.target,
        a.target.config.as_deref(),
        a.target.allow_live,
        cat,
    )
    .await?;
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
