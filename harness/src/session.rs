//! A run as a library function, as `cognate run` performs it and the tests call it: the
//! [`Plan`] (what to send, chosen from the packs), the started [`Target`], the per-operation
//! probe that decides what the target lacks, and [`run`], which feeds every verdict to one
//! reporter. The CLI only turns arguments into these and prints what comes back.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::check::{unjudged, CheckError, Checker, Status};
use crate::config::{self, Config, ConfigError};
use crate::exit::ExitCode;
use crate::files::DataError;
use crate::generate::{self, Case, CaseKind, Contract, GenerateError, Options};
use crate::generate::{Expectation, Expected, Request, JSON_1_1};
use crate::issuer::Issuer;
use crate::model::{Auth, Catalogue, ModelError};
use crate::reference::{self, Reference};
use crate::replay::{self, Client, ReplayError, Signing};
use crate::report::{
    Event, Normaliser, ReportError, Reporter, RunInfo, SnapshotMode, SnapshotOutcome, SnapshotSink,
    Summary, Terminal,
};
use crate::scenario::lifecycle::LifeCycle;
use crate::scenario::sequence::{find as find_sequence, run_all, End, Family, Recovery};
use crate::scenario::sessions::Sessions;
use crate::scenario::{self, codes, CleanupLog, CodeSource, Scenario, StepRun};
use crate::target::{self, Fixture, Provisioner, TargetError};

/// Why a run could not be made or finished (a contract failure is a verdict, never this).
#[derive(Debug, Error)]
pub enum RunError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Generate(#[from] GenerateError),
    #[error(transparent)]
    Check(#[from] CheckError),
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("cannot start the reference target: {0}")]
    Serve(std::io::Error),
    #[error("--operation {0:?} matches no operation of the schemas")]
    NoMatch(String),
    #[error(transparent)]
    Credentials(#[from] crate::credentials::CredentialsError),
}

impl RunError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            RunError::Model(_)
            | RunError::Data(_)
            | RunError::Generate(_)
            | RunError::Check(_)
            | RunError::Config(_)
            | RunError::NoMatch(_)
            | RunError::Replay(ReplayError::Tls(_)) => ExitCode::BadInput,
            RunError::Replay(ReplayError::Url(_))
            | RunError::Target(TargetError::NotLoopback(_) | TargetError::BadUrl(_)) => {
                ExitCode::Usage
            }
            RunError::Target(_)
            | RunError::Report(_)
            | RunError::Serve(_)
            | RunError::Credentials(_) => ExitCode::Runtime,
        }
    }
}

/// What to generate and run, as a user selects it.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Names and globs (`Admin*`, `*Password`), each possibly a comma-separated list. Empty:
    /// every operation that has a pack.
    pub operations: Vec<String>,
    /// Every operation of the model; those without a pack get rule cases only.
    pub all_operations: bool,
    pub seed: u64,
    /// Property cases per operation on top of the fixed ones.
    pub extra: usize,
    pub schemas: Option<PathBuf>,
    pub expectations: Option<PathBuf>,
    pub scenario_dir: Option<PathBuf>,
    /// Leave out the scenarios and sequences.
    pub no_scenarios: bool,
    /// Property-based sequences (0 leaves them out).
    pub sequences: usize,
    /// The CI shard to run (`--partition hash:K/N`); `None`: everything.
    pub partition: Option<crate::partition::Partition>,
}

/// A selection made ready: the catalogue, the packs, the operations whose stateless cases run,
/// the scenarios whose operations are all selected, and the sequences.
pub struct Plan {
    pub catalogue: &'static Catalogue,
    pub contract: Contract,
    /// The operations whose stateless cases are generated.
    pub operations: Vec<String>,
    pub scenarios: Vec<Scenario>,
    /// Password-recovery sequences.
    pub sequences: scenario::sequence::Config,
    /// User life-cycle sequences.
    pub life_cycles: scenario::sequence::Config,
    /// Sign-in session sequences.
    pub sessions: scenario::sequence::Config,
    pub opts: Options,
    /// The CI shard this run is.
    pub partition: Option<crate::partition::Partition>,
}

impl Plan {
    pub fn new(sel: &Selection) -> Result<Plan, RunError> {
        let catalogue: &'static Catalogue = match &sel.schemas {
            // Leaked once per process: the catalogue lives as long as the command.
            Some(dir) => Box::leak(Box::new(Catalogue::load_dir(dir)?)),
            None => Catalogue::embedded(),
        };
        let contract = match &sel.expectations {
            Some(dir) => Contract::load_dir(dir, catalogue)?,
            None => Contract::embedded(catalogue)?,
        };
        let all_scenarios = if sel.no_scenarios {
            Vec::new()
        } else {
            match &sel.scenario_dir {
                Some(dir) => scenario::data::load_dir(dir, catalogue)?,
                None => scenario::data::embedded(catalogue)?,
            }
        };
        let (operations, chosen): (Vec<String>, Option<BTreeSet<String>>) = if sel.all_operations {
            (catalogue.operations.keys().cloned().collect(), None)
        } else if sel.operations.is_empty() {
            (contract.operations.keys().cloned().collect(), None)
        } else {
            let ops = select(catalogue, &sel.operations)?;
            let set = ops.iter().cloned().collect();
            (ops, Some(set))
        };
        // A scenario runs when every operation it uses is selected; by default all do.
        let selected = |op: &str| chosen.as_ref().is_none_or(|c| c.contains(op));
        let scenarios = all_scenarios
            .into_iter()
            .filter(|s| s.steps.iter().all(|st| selected(&st.operation)))
            .filter(|s| sel.partition.is_none_or(|p| p.keeps(&s.name)))
            .collect();
        let sequences_on = |ops: &[&str]| !sel.no_scenarios && ops.iter().all(|op| selected(op));
        let count = |ops: &[&str]| if sequences_on(ops) { sel.sequences } else { 0 };
        let sequences = |ops: &[&str]| scenario::sequence::Config {
            partition: sel.partition,
            ..scenario::sequence::Config::new(count(ops), sel.seed)
        };
        Ok(Plan {
            catalogue,
            contract,
            operations,
            scenarios,
            sequences: sequences(Recovery::OPERATIONS),
            life_cycles: sequences(LifeCycle::OPERATIONS),
            sessions: sequences(Sessions::OPERATIONS),
            opts: Options {
                seed: sel.seed,
                extra: sel.extra,
            },
            partition: sel.partition,
        })
    }

    /// How many stateless cases are planned, and the cases in generation order, built as taken.
    /// With a partition, only the shard's cases, counted by generating them once more (cheap
    /// beside sending them).
    pub fn cases(&self) -> Result<(usize, impl Iterator<Item = Case> + '_), RunError> {
        let stream =
            || generate::stream(self.catalogue, &self.contract, &self.operations, self.opts);
        let (mut planned, cases) = stream()?;
        let part = self.partition;
        let kept = move |c: &Case| part.is_none_or(|p| p.keeps(&c.id));
        if part.is_some() {
            planned = stream()?.1.filter(|c| kept(c)).count();
        }
        Ok((planned, cases.filter(move |c| kept(c))))
    }

    /// How many stateful verdicts are planned (a shrunk sequence reports fewer).
    pub fn planned_stateful(&self) -> usize {
        self.scenarios.iter().map(|s| s.steps.len()).sum::<usize>()
            + self.sequences.planned::<Recovery>()
            + self.life_cycles.planned::<LifeCycle>()
            + self.sessions.planned::<Sessions>()
    }

    /// Every operation the run sends to: the stateless ones, the scenarios' and the sequences'.
    pub fn used_operations(&self) -> Vec<String> {
        let mut ops: BTreeSet<String> = self.operations.iter().cloned().collect();
        for s in &self.scenarios {
            ops.extend(s.steps.iter().map(|st| st.operation.clone()));
        }
        if self.sequences.count > 0 {
            ops.extend(Recovery::OPERATIONS.iter().map(|o| o.to_string()));
        }
        if self.life_cycles.count > 0 {
            ops.extend(LifeCycle::OPERATIONS.iter().map(|o| o.to_string()));
        }
        if self.sessions.count > 0 {
            ops.extend(Sessions::OPERATIONS.iter().map(|o| o.to_string()));
        }
        ops.into_iter().collect()
    }

    /// The request that asks a target whether it has `operation`: its pack's base request, or
    /// an empty object (a target that has the operation answers that with a validation error, one
    /// that lacks it with its not-implemented marker all the same).
    pub fn probe_case(&self, operation: &str) -> Option<Case> {
        let op = self.catalogue.operation(operation)?;
        let body = match self.contract.operations.get(operation) {
            Some(pack) => serde_json::to_string(&pack.base_request).ok()?,
            None => "{}".to_owned(),
        };
        Some(Case {
            id: generate::stable_id(&["probe", operation]),
            operation: operation.to_owned(),
            kind: CaseKind::Valid,
            label: "probe".into(),
            member: None,
            request: Request {
                target: Some(op.target.clone()),
                content_type: Some(JSON_1_1.to_owned()),
                body,
                signed: op.auth == Auth::Sigv4,
                forgery: Default::default(),
            },
            expectation: Expectation::new(Expected::Success, "probe"),
        })
    }
}

/// The operations that `patterns` name, in catalogue order: each pattern a name or a glob
/// (`*` any run, `?` one character), several patterns to an argument with commas.
pub fn select(catalogue: &Catalogue, patterns: &[String]) -> Result<Vec<String>, RunError> {
    let mut wanted = BTreeSet::new();
    for pattern in patterns.iter().flat_map(|p| p.split(',')).map(str::trim) {
        if pattern.is_empty() {
            continue;
        }
        let matched: Vec<&String> = catalogue
            .operations
            .keys()
            .filter(|name| glob(pattern, name))
            .collect();
        if matched.is_empty() {
            return Err(if pattern.contains(['*', '?']) {
                RunError::NoMatch(pattern.to_owned())
            } else {
                GenerateError::UnknownOperation(pattern.to_owned()).into()
            });
        }
        wanted.extend(matched.into_iter().cloned());
    }
    if wanted.is_empty() {
        return Err(RunError::NoMatch(patterns.join(",")));
    }
    Ok(catalogue
        .operations
        .keys()
        .filter(|k| wanted.contains(*k))
        .cloned()
        .collect())
}

/// Whether `name` matches the glob `pattern` (`*` any run, `?` one character).
pub fn glob(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

/// Where requests go and how: the user's words for a target.
#[derive(Debug, Clone)]
pub struct TargetSpec {
    /// `reference`, `aws`, a profile of the profiles file, or a URL.
    pub target: String,
    pub config: Option<PathBuf>,
    pub allow_live: bool,
    pub region: Option<String>,
    /// Requests in flight at once; `None`: the profile's, else [`DEFAULT_CONCURRENCY`].
    pub concurrency: Option<usize>,
    pub timeout: Duration,
    pub code_command: Option<String>,
    /// The embedded reference checks only the form of SigV4 headers: for the network fuzzer,
    /// whose requests carry made-up signatures, so that mutations reach past authentication.
    pub any_signature: bool,
    /// What an https:// target's certificate is checked against.
    pub trust: crate::tls::Trust,
    /// Requests per second at most; `None`: [`LIVE_RATE`] on a live target, else no limit.
    pub rate: Option<f64>,
    /// Retries of a throttled answer; `None`: [`LIVE_RETRIES`] on a live target, else none.
    pub retries: Option<u32>,
    /// A profile of the shared AWS files: credentials come from the AWS chain with it.
    pub aws_profile: Option<String>,
    /// Credentials from the AWS chain even for a loopback target (live targets always use it).
    pub aws_chain: bool,
    /// The longest answer body read; `None`: the profile's, else
    /// [`replay::DEFAULT_MAX_RESPONSE_BYTES`].
    pub max_response_bytes: Option<u64>,
}

/// Requests in flight at once when neither the command line nor the profile says.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// A live target's rate limit unless `--rate` says: well under Cognito's lowest per-account
/// request-rate quotas, so that a run never starves the account's own traffic.
pub const LIVE_RATE: f64 = 5.0;

/// A live target's retries of a throttled answer unless `--retries` says.
pub const LIVE_RETRIES: u32 = 3;

impl Default for TargetSpec {
    fn default() -> Self {
        TargetSpec {
            target: "reference".into(),
            config: None,
            allow_live: false,
            region: None,
            concurrency: None,
            timeout: Duration::from_secs(10),
            code_command: None,
            any_signature: false,
            trust: Default::default(),
            rate: None,
            retries: None,
            aws_profile: None,
            aws_chain: false,
            max_response_bytes: None,
        }
    }
}

/// A started target: where it is, what the profile says about it, and the in-process server to
/// stop afterwards.
pub struct Target {
    /// `reference`, the profile name, or the URL: what reports call the target.
    pub name: String,
    pub url: String,
    server: Option<reference::ServerHandle>,
    /// The embedded target itself, for its in-process code source.
    reference: Option<Arc<Reference>>,
    /// What snapshots record as the target's version.
    pub version: Option<String>,
    /// The region requests are signed for.
    pub region: String,
    reset: Option<String>,
    /// Error identities by which the target says it does not implement something.
    pub not_implemented: Vec<String>,
    /// The profile's list of the operations the target implements, if it has one.
    implements: Option<Vec<String>>,
    code_source: Option<config::CodeSource>,
    /// The target is a served reference (`cognate serve`) that tells its codes over HTTP.
    codes_endpoint: bool,
    /// The profile's `token_issuer`.
    pub token_issuer: Option<String>,
    /// Requests in flight at once: the command line's, the profile's, or the default.
    concurrency: usize,
    /// Outside loopback: a live service (the run was allowed with `--allow-live`).
    pub live: bool,
    /// The credentials the AWS chain gave, where they came from there.
    pub credentials: Option<crate::credentials::Resolved>,
    /// Names this run's resources on a live target (`cognate-<run id>-...`) and tags them.
    pub run_id: String,
    /// Every request goes through this client or a clone, so that the rate limit, the retry
    /// count and the ledger of created pools are the run's own.
    client: Client,
    spec: TargetSpec,
}

/// A short random id: names and tags a live run's resources.
fn new_run_id() -> String {
    format!("{:08x}", rand::random::<u32>())
}

/// The cognito-idp endpoint of a region.
pub fn aws_endpoint(region: &str) -> String {
    format!("https://cognito-idp.{region}.amazonaws.com")
}

impl Target {
    /// Starts the embedded target, or resolves a URL or profile (checking the live guard).
    pub async fn start(spec: &TargetSpec, cat: &'static Catalogue) -> Result<Target, RunError> {
        // Where requests go, before any credential is looked at: the live guard comes first.
        let profile =
            if spec.target == "reference" || spec.target == "aws" || spec.target.contains("://") {
                None
            } else {
                let (config, file) = Config::load(spec.config.as_deref())?;
                Some(config.profile(&spec.target, &file)?.clone())
            };
        let url = match (&profile, spec.target.as_str()) {
            (Some(p), _) => Some(p.url.clone()),
            (None, "reference") => None,
            // Known once the region is: checked against the guard by name here.
            (None, "aws") => {
                if !spec.allow_live {
                    return Err(TargetError::NotLoopback(aws_endpoint("<region>")).into());
                }
                None
            }
            (None, url) => Some(url.to_owned()),
        };
        let live = match &url {
            Some(u) => {
                target::check_url(u, spec.allow_live)?;
                !target::loopback(u)?.0
            }
            None => spec.target == "aws",
        };
        let chain = live || spec.aws_chain || spec.aws_profile.is_some();
        let credentials = if chain {
            Some(
                crate::credentials::resolve(
                    spec.aws_profile.as_deref(),
                    spec.region
                        .as_deref()
                        .or(profile.as_ref().map(|p| p.region.as_str())),
                )
                .await?,
            )
        } else {
            None
        };
        let region = spec
            .region
            .clone()
            .or(credentials.as_ref().map(|c| c.signing.region.clone()))
            .or(profile.as_ref().map(|p| p.region.clone()))
            .unwrap_or_else(|| "us-east-1".to_owned());
        let mut signing = match &credentials {
            Some(c) => c.signing.clone(),
            None => Signing::test_credentials(&region),
        };
        signing.region = region.clone();
        if let (None, Some(p)) = (&credentials, &profile) {
            if let (Some(ak), Some(sk)) = (&p.access_key, &p.secret_key) {
                signing.access_key = ak.clone();
                signing.secret_key = sk.clone();
            }
        }
        let concurrency = spec
            .concurrency
            .or(profile.as_ref().and_then(|p| p.concurrency))
            .unwrap_or(DEFAULT_CONCURRENCY)
            .max(1);
        let transport = replay::Transport {
            trust: spec.trust.clone(),
            rate: spec.rate.or(live.then_some(LIVE_RATE)),
            retries: spec.retries.unwrap_or(if live { LIVE_RETRIES } else { 0 }),
            max_response_bytes: spec
                .max_response_bytes
                .or(profile.as_ref().and_then(|p| p.max_response_bytes)),
        };
        let config = replay::Config {
            concurrency,
            timeout: spec.timeout.max(Duration::from_millis(1)),
            signing,
        };

        let (name, url, server, reference) = match (&profile, spec.target.as_str()) {
            (None, "reference") => {
                let r = Reference::new(cat);
                let r = Arc::new(if spec.any_signature {
                    r.form_only_signatures()
                } else {
                    r
                });
                let server = reference::spawn_on_own_thread(r.clone(), ([127, 0, 0, 1], 0).into())
                    .map_err(RunError::Serve)?;
                let url = format!("http://{}", server.addr);
                ("reference".to_owned(), url, Some(server), Some(r))
            }
            (None, "aws") => ("aws".to_owned(), aws_endpoint(&region), None, None),
            _ => (
                spec.target.clone(),
                url.clone().unwrap_or_default(),
                None,
                None,
            ),
        };
        let client = Client::with_transport(&url, config, &transport)?;
        let codes_endpoint = profile.is_none()
            && reference.is_none()
            && !live
            && spec.target.contains("://")
            && codes::ReferenceEndpoint::detect(&client).await;
        let p = profile.as_ref();
        Ok(Target {
            name,
            url,
            server,
            version: match &reference {
                Some(_) => Some(format!("cognate {}", env!("CARGO_PKG_VERSION"))),
                None => p.and_then(|p| p.version.clone()),
            },
            reference,
            region,
            reset: p.and_then(|p| p.reset.clone()),
            not_implemented: p.map(|p| p.not_implemented.clone()).unwrap_or_default(),
            implements: p.and_then(|p| p.implements.clone()),
            code_source: p.and_then(|p| p.code_source.clone()),
            codes_endpoint,
            token_issuer: p.and_then(|p| p.token_issuer.clone()),
            concurrency,
            live,
            credentials,
            run_id: new_run_id(),
            client,
            spec: spec.clone(),
        })
    }

    /// The run's client (a clone: clones share connections, the rate limit and the ledger).
    pub fn client(&self) -> Result<Client, RunError> {
        Ok(self.client.clone())
    }

    /// Resets the target's state where its profile says how (moto's `/moto-api/reset`).
    pub async fn reset(&self, client: &Client) -> Result<(), RunError> {
        if let Some(path) = &self.reset {
            target::reset(client, path).await?;
        }
        Ok(())
    }

    /// Provisions the fixture, after resetting the target where its profile says how. On a live
    /// target the pool is named `cognate-<run id>-s<seed>` and tagged with the run id.
    pub async fn provision(&self, client: &Client, seed: u64) -> Result<Fixture, RunError> {
        self.reset(client).await?;
        let prov = Provisioner::new(client);
        if !self.live {
            return Ok(prov.provision(&format!("s{seed}")).await?);
        }
        let mut extra = serde_json::Map::new();
        extra.insert(
            "UserPoolTags".into(),
            serde_json::json!({ target::RUN_TAG: self.run_id }),
        );
        Ok(prov
            .provision_with(&format!("{}-s{seed}", self.run_id), &extra)
            .await?)
    }

    /// Deletes every pool the run created and has not deleted yet: the last step on every
    /// way out of a run (an error, Ctrl-C), after the run's own clean-up.
    pub async fn sweep(&self) -> target::Sweep {
        // A run stopped while provisioning left its client halted; the sweep must go out.
        self.client.resume();
        let pools = self.client.created_pools();
        target::sweep(&self.client, &pools, &self.region).await
    }

    /// The rate limit, in requests per second, if there is one.
    pub fn rate(&self) -> Option<f64> {
        self.spec.rate.or(self.live.then_some(LIVE_RATE))
    }

    /// How often a throttled answer is retried.
    pub fn retries(&self) -> u32 {
        self.spec
            .retries
            .unwrap_or(if self.live { LIVE_RETRIES } else { 0 })
    }

    /// How many throttled answers were retried.
    pub fn retried(&self) -> u64 {
        self.client.retried()
    }

    /// What every report's header says about this target before any verdict.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.spec.trust.insecure && self.url.starts_with("https://") {
            w.push(format!(
                "INSECURE: --insecure was given, so the TLS certificate of {} was not verified: \
                 anyone on the path could have answered",
                self.url
            ));
        }
        if self.live {
            w.push(format!(
                "live target {} (region {}): resources named cognate-{}-... were created and deleted",
                self.url, self.region, self.run_id
            ));
        }
        w
    }

    /// How the scenarios learn a code here: `--code-command`, else the reference itself, else
    /// the profile's `code_source`, else a served reference's endpoint; `None` when the target
    /// gives no way.
    pub fn codes(&self) -> Option<Box<dyn CodeSource>> {
        if let Some(cmd) = &self.spec.code_command {
            return Some(Box::new(codes::CodeCommand::new(cmd)));
        }
        if let Some(r) = &self.reference {
            return Some(Box::new(codes::InProcess(r.clone())));
        }
        if self.codes_endpoint {
            return Some(Box::new(codes::ReferenceEndpoint(self.client.clone())));
        }
        self.code_source.as_ref().map(codes::from_config)
    }

    pub async fn stop(self) {
        if let Some(s) = self.server {
            s.shutdown().await;
        }
    }
}

/// Asks the target once per operation whether it has it: the operations whose probe was
/// answered with a not-implemented marker, with the reason. A probe that gets no answer at all
/// decides nothing (the cases will say what is wrong). An operation missing from the profile's
/// `implements` list is lacking without a probe.
pub async fn probe(
    plan: &Plan,
    target: &Target,
    client: &Client,
    checker: &Checker,
    fixture: &Fixture,
    operations: &[String],
) -> HashMap<String, String> {
    let mut lacking = HashMap::new();
    let listed = |op: &String| {
        target
            .implements
            .as_ref()
            .is_none_or(|list| list.iter().any(|o| o == op))
    };
    for op in operations.iter().filter(|op| !listed(op)) {
        lacking.insert(
            op.clone(),
            format!("{op}: not in the profile's list of implemented operations"),
        );
    }
    let probes: Vec<Case> = operations
        .iter()
        .filter(|op| listed(op))
        .filter_map(|op| plan.probe_case(op))
        .collect();
    client
        .run(&probes, fixture, |case, exchange| {
            if let Ok(resp) = &exchange.result {
                if let Some(why) = checker.not_implemented_answer(
                    &case.operation,
                    case.request.target.as_deref(),
                    resp,
                ) {
                    lacking.insert(case.operation.clone(), why);
                }
            }
        })
        .await;
    lacking
}

/// What a stateless case created, when it succeeded and its row says `creates`: a name for the
/// log and the delete request, its fresh names the case's own.
fn created_by(
    case: &Case,
    exchange: &replay::Exchange,
    cat: &Catalogue,
) -> Option<(String, Request)> {
    let answer = exchange.result.as_ref().ok().filter(|r| r.status == 200)?;
    let c = case.expectation.creates.as_ref()?;
    let mut request = c.request(cat)?;
    crate::placeholder::fill_fresh(&mut request.body, &case.id[..8]);
    let answer = serde_json::from_slice(&answer.body).unwrap_or_default();
    crate::placeholder::fill_answer(&mut request.body, &answer);
    let what = format!("{} after {:?} ({})", c.operation, case.label, case.id);
    Some((what, request))
}

/// How a run reports.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub report_dir: PathBuf,
    /// No progress bar (the summary is still printed).
    pub quiet: bool,
    pub snapshot: Option<PathBuf>,
    /// With a snapshot directory: rewrite instead of comparing.
    pub update: bool,
    /// Any skip fails the run, and a missing snapshot baseline is not recorded but fails.
    pub fail_on_skip: bool,
    /// Running in CI (`CI=true`): a missing snapshot baseline fails, as with `fail_on_skip`.
    pub ci: bool,
    /// The run stops sending when this much time has passed since it began (provisioning and
    /// probing included), and its reports say it is incomplete.
    pub deadline: Option<Duration>,
    /// Stops the run from outside (a signal's handler); the run makes its own when `None`.
    pub stopper: Option<Stopper>,
}

/// Time the requests already out get to finish once a run is told to stop.
pub const GRACE: Duration = Duration::from_secs(2);

/// Tells a running [`run`] to stop sending: what was judged is reported, marked incomplete,
/// and what the run created is deleted. Clones share the state; the first reason given stays.
#[derive(Debug, Clone)]
pub struct Stopper {
    state: Arc<tokio::sync::watch::Sender<Option<(String, bool)>>>,
}

impl Default for Stopper {
    fn default() -> Self {
        Stopper {
            state: Arc::new(tokio::sync::watch::Sender::new(None)),
        }
    }
}

impl Stopper {
    /// Stops the run because of a signal (`SIGINT`): it exits 130 when its reports are written.
    pub fn interrupt(&self, signal: &str) {
        self.set(format!("interrupted ({signal})"), true);
    }

    /// Stops the run for another reason (a deadline): it exits as its verdicts say, at least 3.
    pub fn stop(&self, why: impl Into<String>) {
        self.set(why.into(), false);
    }

    fn set(&self, why: String, interrupted: bool) {
        self.state.send_if_modified(|s| {
            if s.is_some() {
                return false;
            }
            *s = Some((why, interrupted));
            true
        });
    }

    /// Why the run was told to stop, if it was.
    pub fn reason(&self) -> Option<String> {
        self.state.borrow().as_ref().map(|(why, _)| why.clone())
    }

    /// Whether a signal stopped the run.
    pub fn interrupted(&self) -> bool {
        self.state.borrow().as_ref().is_some_and(|(_, i)| *i)
    }

    /// Waits until the run is told to stop.
    pub async fn stopped(&self) {
        let mut rx = self.state.subscribe();
        // The sender lives in `self`, so the wait cannot fail for want of one.
        let _ = rx.wait_for(Option::is_some).await;
    }
}

/// A duration as `--deadline` takes it: `90s`, `500ms`, `10m`, `1h`, or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: f64 = number
        .parse()
        .map_err(|_| format!("{s:?}: expected a duration such as 90s, 500ms, 10m or 1h"))?;
    let seconds = match unit.trim() {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        other => return Err(format!("{s:?}: unknown unit {other:?} (ms, s, m, h)")),
    };
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(format!("{s:?}: a duration must be more than zero"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Runs one phase of a run (the stateless cases, the scenarios, a family of sequences) until it
/// ends or the stop's `grace` runs out; a run already stopping does not start it.
async fn phase<G>(client: &Client, grace: &mut G, work: impl std::future::Future<Output = ()>)
where
    G: std::future::Future<Output = ()> + Unpin,
{
    if client.halted() {
        return;
    }
    tokio::select! {
        () = work => {}
        () = grace => {}
    }
}

/// A task of the run's that ends with it, however the run ends (an error included).
struct Background(tokio::task::JoinHandle<()>);

impl Drop for Background {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// `d` for a person: `90 s`, `1.5 s`, `250 ms`.
fn shown(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// What a run ended with.
pub struct RunOutcome {
    pub summary: Summary,
    pub snapshot: Option<SnapshotOutcome>,
    /// What rows' `creates` named and the run could not delete, with why.
    pub undeleted: Vec<String>,
    pub exit: ExitCode,
}

/// Runs a plan against a started target: provisions, probes, sends the stateless cases, then
/// the scenarios and sequences, and writes every report. Stops nothing: the caller stops the
/// target.
pub async fn run(
    plan: &Plan,
    target: &Target,
    options: &RunOptions,
) -> Result<RunOutcome, RunError> {
    let cat = plan.catalogue;
    let (planned, cases) = plan.cases()?;
    // The selected operations' schemas now, so a broken one stops the run before its first
    // request; a scenario step's other operations compile when first checked.
    let checker = Checker::lazy(cat);
    checker.compile(&plan.operations)?;
    let checker = checker.with_not_implemented(target.not_implemented.clone());
    let client = target.client()?;
    // The deadline counts from here: provisioning and probing are part of the run's time.
    let stopper = options.stopper.clone().unwrap_or_default();
    let deadline = options.deadline.map(|d| {
        let stopper = stopper.clone();
        Background(tokio::spawn(async move {
            tokio::time::sleep(d).await;
            stopper.stop(format!("the --deadline of {} passed", shown(d)));
        }))
    });
    // Once told to stop, nothing more goes out, whatever the run is doing...
    let halter = {
        let (stopper, client) = (stopper.clone(), client.clone());
        Background(tokio::spawn(async move {
            stopper.stopped().await;
            client.halt();
        }))
    };
    // ...and what is out gets GRACE to come back: the probe and each phase race this, and a
    // phase that ends first leaves it waiting for the next.
    let grace = async {
        stopper.stopped().await;
        tokio::time::sleep(GRACE).await;
    };
    // Fused: once over it stays pending, so a later race cannot poll a finished future.
    let mut halt = std::pin::pin!(futures::FutureExt::fuse(grace));
    let version = target
        .version
        .as_deref()
        .map_or(String::new(), |v| format!(" ({v})"));
    eprintln!(
        "target {}{version} at {}: {} cases, {} stateful steps, seed {}",
        target.name,
        target.url,
        planned,
        plan.planned_stateful(),
        plan.opts.seed
    );
    let fixture = target.provision(&client, plan.opts.seed).await?;
    let checker = checker.with_secrets(fixture.secrets());
    let used = plan.used_operations();
    let lacking = tokio::select! {
        lacking = probe(plan, target, &client, &checker, &fixture, &used) => lacking,
        () = &mut halt => HashMap::new(),
    };
    let checker = &checker.with_lacking(lacking);
    let provisioner = Provisioner::new(&client);

    let mut reporter = Reporter::new();
    reporter
        .add(
            Terminal::stdout()
                .quiet(options.quiet)
                .show_result(options.snapshot.is_none())
                .fail_on_skip(options.fail_on_skip),
        )
        .add_files(&options.report_dir);
    let snapshot = options.snapshot.as_ref().map(|dir| {
        let mode = if options.update {
            SnapshotMode::Update
        } else {
            SnapshotMode::Compare
        };
        let sink = SnapshotSink::new(dir, mode, Normaliser::for_fixture(&fixture))
            .strict(options.fail_on_skip || options.ci);
        let handle = sink.handle();
        reporter.add(sink);
        handle
    });
    // A stopped run's unsent requests are no verdicts; only answers judged count.
    let sent = |v: &crate::check::Verdict| {
        !v.reason
            .as_deref()
            .is_some_and(|r| r.contains(replay::NOT_SENT))
    };
    reporter.event(&Event::Started(RunInfo {
        harness_version: env!("CARGO_PKG_VERSION").to_owned(),
        target: target.name.clone(),
        target_version: target.version.clone(),
        seed: plan.opts.seed,
        operations: plan.operations.clone(),
        cases: planned + plan.planned_stateful(),
        started: now_rfc3339(),
        not_implemented: checker.lacking(),
        warnings: target.warnings(),
        partition: plan.partition.map(|p| p.to_string()),
    }));
    let t0 = Instant::now();
    // A lacking operation's cases are skips without a request: the probe already asked. The
    // case stream and the answers both report, one at a time (the client takes turns).
    let shared = RefCell::new(reporter);
    let cases = cases.filter_map(|case| match checker.lacks_case(&case) {
        None => Some(case),
        Some(why) => {
            shared.borrow_mut().event(&Event::Finished(unjudged(
                &case,
                Status::Skip,
                format!("target does not implement {why}"),
            )));
            None
        }
    });
    // What successes created, deleted once every case has run.
    let mut created: Vec<(String, Request)> = Vec::new();
    // The cases sign in to the run's pool only: its keys and clients are fetched first, so
    // that judging stays synchronous.
    let issuer = Issuer::new(&client, target.token_issuer.as_deref());
    for c in fixture.clients.values() {
        issuer.load(&fixture.pool_id, &c.id).await;
    }
    let stateless = client.run(cases, &fixture, |case, exchange| {
        if matches!(exchange.result, Err(replay::TransportError::NotSent)) {
            return;
        }
        created.extend(created_by(case, &exchange, cat));
        let mut verdict = checker.check(case, &exchange);
        issuer.judge(&mut verdict, &exchange, &fixture.pool_id);
        shared.borrow_mut().event(&Event::Finished(verdict));
    });
    phase(&client, &mut halt, stateless).await;
    let codes = target.codes();
    let tag = format!("s{}", plan.opts.seed);
    let cleanup = CleanupLog::default();
    let env = scenario::Env {
        catalogue: cat,
        client: &client,
        checker,
        fixture: &fixture,
        codes: codes.as_deref(),
        tag: &tag,
        cleanup: &cleanup,
        issuer: &issuer,
    };
    // The stateful phases one after the other.
    let shared = &shared;
    let each = |v: crate::check::Verdict| {
        if sent(&v) {
            shared.borrow_mut().event(&Event::Finished(v));
        }
    };
    let concurrency = target.concurrency;
    let scenarios = scenario::run_all(&env, &plan.scenarios, concurrency, each);
    phase(&client, &mut halt, scenarios).await;
    let recovery = run_all::<Recovery>(&env, plan.sequences, concurrency, each);
    phase(&client, &mut halt, recovery).await;
    let life_cycles = run_all::<LifeCycle>(&env, plan.life_cycles, concurrency, each);
    phase(&client, &mut halt, life_cycles).await;
    let sessions = run_all::<Sessions>(&env, plan.sessions, concurrency, each);
    phase(&client, &mut halt, sessions).await;
    drop((deadline, halter));
    let incomplete = stopper.reason();
    if let Some(why) = &incomplete {
        eprintln!("{why}: stopped sending; writing the reports and deleting what the run created");
    }
    // The clean-up must go out, stopped or not.
    client.resume();
    let mut reporter = shared.take();
    reporter.event(&Event::Done {
        elapsed: t0.elapsed(),
        retried: client.retried(),
        incomplete: incomplete.clone(),
    });
    for (what, request) in created.iter().rev() {
        cleanup.delete(&client, what, request, &fixture).await;
    }
    let (deleted, undeleted) = cleanup.outcome();
    if deleted + undeleted.len() > 0 {
        eprintln!(
            "cleanup: {deleted} created resource(s) deleted, {} could not be",
            undeleted.len()
        );
    }
    for u in &undeleted {
        // Left behind on the target: worth a line each, never a lost result.
        eprintln!("warning: not deleted: {u}");
    }
    let pool_cleanup = provisioner.cleanup(&fixture).await;
    let summary = reporter.finish()?;
    if let Err(e) = pool_cleanup {
        // The verdicts stand; a pool left behind is worth a warning, not a lost result.
        eprintln!("warning: cleanup: {e}");
    }
    let file = |name| options.report_dir.join(name).display().to_string();
    eprintln!(
        "reports: {}, {}, {} and {}",
        file(crate::report::JSON_FILE),
        file(crate::report::JUNIT_FILE),
        file(crate::report::MARKDOWN_FILE),
        file(crate::report::HTML_FILE),
    );
    let snapshot = snapshot.and_then(|h| h.take());
    let skipped = options.fail_on_skip && summary.totals().skip > 0;
    let exit = match &snapshot {
        _ if stopper.interrupted() => ExitCode::Interrupted,
        // Drift first; a skip still fails a snapshot run under --fail-on-skip.
        Some(outcome) if outcome.drift() => outcome.exit_code(),
        Some(_) if skipped => ExitCode::ContractFailure,
        Some(outcome) => outcome.exit_code(),
        // A snapshot run that stopped early compared nothing: its failures are known ones.
        None if options.snapshot.is_some() && incomplete.is_some() => ExitCode::Runtime,
        None => summary.exit_code_with(options.fail_on_skip),
    };
    Ok(RunOutcome {
        summary,
        snapshot,
        undeleted,
        exit,
    })
}

/// What `cognate replay` re-runs: a stateless case, a scenario cut after the step to show, or a
/// property-based sequence by index.
pub enum Replay {
    Case(Box<Case>),
    Scenario(Box<Scenario>),
    /// A password-recovery sequence, by index.
    Sequence(usize),
    /// A user life cycle, by index.
    LifeCycle(usize),
    /// A sign-in session sequence, by index.
    Session(usize),
}

/// How many sequences of a seed [`find`] looks through for an id.
const REPLAY_SEQUENCES: usize = 10_000;

/// The case, scenario step or sequence (step) with this id, and how many stateless cases were
/// looked through. Scenarios come from `scenario_dir`, else the embedded files, whatever the
/// selection: a step's id is enough to find it.
pub fn find(
    plan: &Plan,
    case_id: &str,
    scenario_dir: Option<&std::path::Path>,
) -> Result<(usize, Option<Replay>), RunError> {
    let (count, mut cases) = plan.cases()?;
    if let Some(c) = cases.find(|c| c.id == case_id) {
        return Ok((count, Some(Replay::Case(Box::new(c)))));
    }
    let scenarios = match scenario_dir {
        Some(dir) => scenario::data::load_dir(dir, plan.catalogue)?,
        None => scenario::data::embedded(plan.catalogue)?,
    };
    for s in scenarios {
        if let Some(i) = s.steps.iter().position(|st| st.id == case_id) {
            let mut cut = s.clone();
            cut.steps.truncate(i + 1);
            return Ok((count, Some(Replay::Scenario(Box::new(cut)))));
        }
    }
    let seed = plan.opts.seed;
    let sequence = find_sequence::<Recovery>(seed, case_id, REPLAY_SEQUENCES)
        .map(Replay::Sequence)
        .or_else(|| {
            find_sequence::<LifeCycle>(seed, case_id, REPLAY_SEQUENCES).map(Replay::LifeCycle)
        })
        .or_else(|| {
            find_sequence::<Sessions>(seed, case_id, REPLAY_SEQUENCES).map(Replay::Session)
        });
    Ok((count, sequence))
}

/// What a replay ran: every step, the first one to show in full, a note for a person, and what
/// could not be deleted afterwards.
pub struct Replayed {
    pub runs: Vec<StepRun>,
    pub shown_from: usize,
    pub note: Option<String>,
    pub undeleted: Vec<String>,
}

/// Re-runs one case, scenario or sequence against a started target: provisions, probes the
/// operations it uses, runs it, deletes what it created and the pool. Stops nothing.
pub async fn replay(plan: &Plan, target: &Target, what: &Replay) -> Result<Replayed, RunError> {
    let cat = plan.catalogue;
    let checker = Checker::new(cat)?.with_not_implemented(target.not_implemented.clone());
    let client = target.client()?;
    let fixture = target.provision(&client, plan.opts.seed).await?;
    let checker = checker.with_secrets(fixture.secrets());
    let used: Vec<String> = match what {
        Replay::Case(c) => vec![c.operation.clone()],
        Replay::Scenario(s) => s.steps.iter().map(|st| st.operation.clone()).collect(),
        Replay::Sequence(_) => Recovery::OPERATIONS.iter().map(|o| o.to_string()).collect(),
        Replay::LifeCycle(_) => LifeCycle::OPERATIONS
            .iter()
            .map(|o| o.to_string())
            .collect(),
        Replay::Session(_) => Sessions::OPERATIONS.iter().map(|o| o.to_string()).collect(),
    };
    let lacking = probe(plan, target, &client, &checker, &fixture, &used).await;
    let checker = checker.with_lacking(lacking);
    let codes = target.codes();
    let cleanup = CleanupLog::default();
    let tag = format!("s{}", plan.opts.seed);
    let issuer = Issuer::new(&client, target.token_issuer.as_deref());
    let env = scenario::Env {
        catalogue: cat,
        client: &client,
        checker: &checker,
        fixture: &fixture,
        codes: codes.as_deref(),
        tag: &tag,
        cleanup: &cleanup,
        issuer: &issuer,
    };
    let (runs, shown_from, note) = match what {
        Replay::Case(case) => {
            let run = match checker.lacks_case(case) {
                Some(why) => StepRun {
                    case: (**case).clone(),
                    exchange: None,
                    verdict: unjudged(
                        case,
                        Status::Skip,
                        format!("target does not implement {why}"),
                    ),
                },
                None => {
                    let exchange = client.send(&case.id, &case.request, &fixture).await;
                    let mut verdict = checker.check(case, &exchange);
                    issuer
                        .judge_loading(&mut verdict, &exchange, &fixture.pool_id)
                        .await;
                    if let Some((what, request)) = created_by(case, &exchange, cat) {
                        cleanup.delete(&client, &what, &request, &fixture).await;
                    }
                    StepRun {
                        case: (**case).clone(),
                        exchange: Some(exchange),
                        verdict,
                    }
                }
            };
            (vec![run], 0, None)
        }
        Replay::Scenario(s) => {
            let runs = scenario::run_scenario(&env, s).await;
            let last = runs.len().saturating_sub(1);
            let note = format!(
                "scenario  {} ({}), step {} of {} shown in full",
                s.name,
                s.file,
                last + 1,
                runs.len()
            );
            (runs, last, Some(note))
        }
        Replay::Sequence(index) => replay_sequence::<Recovery>(&env, plan.opts.seed, *index).await,
        Replay::LifeCycle(index) => {
            replay_sequence::<LifeCycle>(&env, plan.opts.seed, *index).await
        }
        Replay::Session(index) => replay_sequence::<Sessions>(&env, plan.opts.seed, *index).await,
    };
    // The pool goes whatever happened; a pool left behind costs the target only memory.
    let _ = Provisioner::new(&client).cleanup(&fixture).await;
    Ok(Replayed {
        runs,
        shown_from,
        note,
        undeleted: cleanup.outcome().1,
    })
}

/// Runs sequence `index` of a family again (shrinking it again if it fails): its steps, and a
/// note for a person.
async fn replay_sequence<F: Family>(
    env: &scenario::Env<'_>,
    seed: u64,
    index: usize,
) -> (Vec<StepRun>, usize, Option<String>) {
    let cfg = scenario::sequence::Config::new(index + 1, seed);
    let run = scenario::sequence::run_sequence::<F>(env, cfg, index).await;
    let name = F::NAME;
    let note = match &run.attempt.end {
        End::Passed => format!(
            "{name}  {} (index {index}): {} steps, all as the model allows",
            run.id, run.generated
        ),
        End::Failed(at) => format!(
            "{name}  {} (index {index}): fails; shrunk from {} to {} steps in {} runs",
            run.id,
            run.generated,
            at + 1,
            run.shrink_runs
        ),
        End::Stopped(_, why) => format!("{name}  {} (index {index}): stopped: {why}", run.id),
    };
    (run.attempt.steps, 0, Some(note))
}

/// UTC now as RFC 3339, without a date-time dependency for one line.
pub fn now_rfc3339() -> String {
    crate::time::rfc3339(crate::time::now_unix())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("Admin*", "AdminCreateUser"));
        assert!(glob("*Password", "ForgotPassword"));
        assert!(glob("*Forgot*", "ConfirmForgotPassword"));
        assert!(glob("?orgotPassword", "ForgotPassword"));
        assert!(glob("ForgotPassword", "ForgotPassword"));
        assert!(!glob("ForgotPassword", "ConfirmForgotPassword"));
        assert!(!glob("Admin*", "ListUsers"));
        assert!(glob("*", ""));
        assert!(!glob("a*b", "ac"));
    }

    #[test]
    fn selection_takes_names_globs_and_lists() {
        let cat = Catalogue::embedded();
        let ops = select(cat, &["ForgotPassword,*ForgotPassword".into()]).unwrap();
        assert_eq!(ops, ["ConfirmForgotPassword", "ForgotPassword"]);
        let admin = select(cat, &["Admin*".into()]).unwrap();
        assert!(admin.len() > 20 && admin.iter().all(|o| o.starts_with("Admin")));
        assert!(matches!(
            select(cat, &["Nope*".into()]),
            Err(RunError::NoMatch(_))
        ));
        assert!(matches!(
            select(cat, &["NoSuchOperation".into()]),
            Err(RunError::Generate(GenerateError::UnknownOperation(_)))
        ));
    }
}
