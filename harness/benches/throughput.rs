//! End-to-end throughput: how many cases per second `cognate run` gets through against the
//! reference target, and how close that comes to the raw request rate a plain HTTP load of the
//! same requests reaches against the same server (the ceiling the harness can approach).
//!
//! ```sh
//! cargo bench --bench throughput -- [--cases N] [--concurrency C] [--json FILE]
//! ```
//!
//! 1. The reference target runs as its own process (`cognate serve --port 0`, 127.0.0.1), shared
//!    by both sides below. Each side provisions its own user pool on it.
//! 2. Harness side: `cognate run --target URL --operation ForgotPassword --cases N
//!    --no-scenarios --quiet --report-dir TMP --concurrency C` as a child process. Timed from
//!    spawn to exit (generation, provisioning, replay, checks and reports: what a user waits
//!    for); report.json gives the verdict count and `elapsed_ms` (replay and checks only).
//!    Peak RSS is the child's own `ru_maxrss`, read with `wait4(2)` when it is reaped (the
//!    `getrusage(RUSAGE_CHILDREN)` figure for that one child, without the server's).
//! 3. Ceiling side, in this process: the same cases generated with the library, placeholders
//!    filled from a fixture provisioned on the same server and SigV4 applied where a case says
//!    so (`Client::prepare`, the bytes `Client::send` puts on the wire), every request built
//!    before the clock starts, then sent over C keep-alive HTTP/1.1 connections (bare hyper),
//!    counting responses only: no checks, no reports.
//! 4. Each side runs `--rounds K` times (3 by default), the harness's rounds first, and the
//!    fastest round of each side counts; every round's rate is printed. On a shared machine a
//!    round can lose a third to whatever else runs: the fastest is the least disturbed, and
//!    both sides get the same number of tries, so neither is flattered.
//!
//! It prints N, C, harness cases/s, ceiling req/s, their ratio and the harness's peak RSS (the
//! highest of its rounds), then the same as one JSON line (also appended to `--json FILE` when given). It also prints where the
//! CPU went, in µs per request: the `cognate run` process (`wait4`), the plain client (this
//! process, `getrusage` around the timed part) and the server on each side (`/proc/PID/stat`,
//! Linux only). Harness, server and ceiling client share the same cores, so these figures say
//! what a ratio can reach: the ceiling client does nothing but send. The binary comes from
//! `CARGO_BIN_EXE_cognate` (cargo builds it for benches, release profile under `cargo bench`),
//! or from `COGNATE_BIN` when set.

use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use cognate::generate::{self, Contract, Options};
use cognate::model::Catalogue;
use cognate::replay::{Client, Config, Signing};
use cognate::target::Provisioner;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

/// The seed both sides generate with (the CLI's default), so they send the same cases.
const SEED: u64 = 1;
const OPERATION: &str = "ForgotPassword";

struct Args {
    cases: usize,
    concurrency: usize,
    rounds: usize,
    json: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        cases: 10_000,
        concurrency: 8,
        rounds: 3,
        json: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            // cargo passes --bench to every bench binary.
            "--bench" => {}
            "--cases" => {
                a.cases = value("--cases")?
                    .parse()
                    .map_err(|e| format!("--cases: {e}"))?
            }
            "--concurrency" => {
                a.concurrency = value("--concurrency")?
                    .parse()
                    .map_err(|e| format!("--concurrency: {e}"))?
            }
            "--rounds" => {
                a.rounds = value("--rounds")?
                    .parse()
                    .map_err(|e| format!("--rounds: {e}"))?;
                if a.rounds == 0 {
                    return Err("--rounds must be at least 1".into());
                }
            }
            "--json" => a.json = Some(PathBuf::from(value("--json")?)),
            "-h" | "--help" => {
                return Err(
                    "usage: throughput [--cases N] [--concurrency C] [--rounds K] [--json FILE]"
                        .into(),
                )
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    if a.concurrency == 0 {
        return Err("--concurrency must be at least 1".into());
    }
    Ok(a)
}

/// The cognate binary: `COGNATE_BIN`, else the one cargo built for this bench.
fn binary() -> Result<PathBuf, String> {
    let path = std::env::var_os("COGNATE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_cognate")));
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "the cognate binary is missing at {}: run this through `cargo bench --bench \
             throughput`, which builds it, or set COGNATE_BIN",
            path.display()
        ))
    }
}

/// The reference target in its own process; killed and reaped when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(bin: &Path) -> Result<Server, String> {
        let mut child = Command::new(bin)
            .args(["serve", "--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {} serve: {e}", bin.display()))?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let mut lines = BufReader::new(stderr).lines();
        // `serve` prints "... listening on http://127.0.0.1:PORT (...)" once it is bound.
        let url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(rest) = line.split("listening on ").nth(1) {
                        break rest
                            .split_whitespace()
                            .next()
                            .unwrap_or_default()
                            .to_owned();
                    }
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err("cognate serve exited before it said where it listens".into());
                }
            }
        };
        // Keep draining its stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(Server { child, url })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct HarnessSide {
    wall: Duration,
    verdicts: usize,
    /// report.json's `elapsed_ms`: replay and checks, after generation and provisioning.
    replay_ms: u64,
    peak_rss_kb: u64,
    /// User plus system CPU time of the `cognate run` process.
    cpu: Duration,
}

/// Waits for `child` with `wait4(2)`: its exit status and its own resource usage.
fn wait_with_rusage(child: &Child) -> Result<(i32, libc::rusage), String> {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data, valid when zeroed; the pointers outlive the call.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if got != pid {
        return Err(format!(
            "wait4 on cognate run: {}",
            std::io::Error::last_os_error()
        ));
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Ok((code, usage))
}

fn harness_side(bin: &Path, url: &str, a: &Args, dir: &Path) -> Result<HarnessSide, String> {
    let reports = dir.join("reports");
    let log = dir.join("run.stderr");
    let stderr =
        std::fs::File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let started = Instant::now();
    let child = Command::new(bin)
        .arg("run")
        .args(["--target", url, "--operation", OPERATION])
        .args(["--cases", &a.cases.to_string()])
        .args(["--no-scenarios", "--quiet", "--report-dir"])
        .arg(&reports)
        .args(["--concurrency", &a.concurrency.to_string()])
        // No cognate.toml from the caller's directory may change the run.
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start {} run: {e}", bin.display()))?;
    // The std handle is not waited on again: wait4 reaps the child.
    let (code, usage) = wait_with_rusage(&child)?;
    let wall = started.elapsed();
    // 0: every case passed; 4: some failed. Either way the run went through.
    if code != 0 && code != 4 {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        return Err(format!("cognate run exited with {code}:\n{text}"));
    }
    // Counted, not kept: this process must stay small, as the next round's child inherits its
    // peak RSS (above), and a parsed report.json is several times the file's size.
    #[derive(serde::Deserialize)]
    struct Counted {
        elapsed_ms: Option<u64>,
        verdicts: Vec<serde::de::IgnoredAny>,
    }
    let path = reports.join("report.json");
    let file =
        std::fs::File::open(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let report: Counted = serde_json::from_reader(std::io::BufReader::new(file))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(HarnessSide {
        wall,
        verdicts: report.verdicts.len(),
        replay_ms: report.elapsed_ms.unwrap_or(0),
        // Linux reports ru_maxrss in KiB.
        peak_rss_kb: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
    })
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
        + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
}

/// User plus system CPU time of this process so far.
fn own_cpu() -> Duration {
    // SAFETY: `rusage` is plain old data, valid when zeroed; the pointer outlives the call.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    timeval(usage.ru_utime) + timeval(usage.ru_stime)
}

/// User plus system CPU time of process `pid` so far, from `/proc` (Linux only).
fn cpu_of(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).ok()?;
    (hz > 0).then(|| Duration::from_micros(ticks * 1_000_000 / hz))
}

struct CeilingSide {
    requests: usize,
    elapsed: Duration,
    /// CPU time of this process (the plain client) while the requests went out.
    client_cpu: Duration,
    /// Answers by status class (`[2xx, 4xx, other]`): a sanity check that the server did the
    /// same work as for the harness, not answered errors faster.
    classes: [usize; 3],
}

type Req = hyper::Request<Full<Bytes>>;

async fn ceiling_side(url: &str, a: &Args) -> Result<CeilingSide, String> {
    let cat = Catalogue::embedded();
    let contract = Contract::embedded(cat).map_err(|e| e.to_string())?;
    let cases = generate::cases(
        cat,
        &contract,
        OPERATION,
        Options {
            seed: SEED,
            extra: a.cases,
        },
    )
    .map_err(|e| e.to_string())?;
    let client = Client::new(
        url,
        Config {
            concurrency: a.concurrency,
            timeout: Duration::from_secs(10),
            signing: Signing::test_credentials("us-east-1"),
        },
    )
    .map_err(|e| e.to_string())?;
    let provisioner = Provisioner::new(&client);
    let fixture = provisioner
        .provision("ceiling")
        .await
        .map_err(|e| e.to_string())?;
    let authority = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    // Every request built up front, dealt round-robin to one queue per connection.
    let mut queues: Vec<Vec<Req>> = (0..a.concurrency).map(|_| Vec::new()).collect();
    for (i, case) in cases.iter().enumerate() {
        let sent = client
            .prepare(&case.request, &fixture)
            .map_err(|e| format!("case {}: {e}", case.id))?;
        let mut b = hyper::Request::post("/").header(hyper::header::HOST, authority.as_str());
        for (k, v) in &sent.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        let req = b
            .body(Full::new(Bytes::from(sent.body)))
            .map_err(|e| format!("case {}: {e}", case.id))?;
        queues[i % a.concurrency].push(req);
    }
    let requests = cases.len();
    drop(cases);

    let cpu_before = own_cpu();
    let started = Instant::now();
    let mut workers = Vec::with_capacity(queues.len());
    for queue in queues {
        let authority = authority.clone();
        workers.push(tokio::spawn(
            async move { send_all(&authority, queue).await },
        ));
    }
    let mut classes = [0; 3];
    for w in workers {
        let got = w.await.map_err(|e| e.to_string())??;
        for (c, n) in classes.iter_mut().zip(got) {
            *c += n;
        }
    }
    let elapsed = started.elapsed();
    let client_cpu = own_cpu().saturating_sub(cpu_before);
    let answered: usize = classes.iter().sum();
    if answered != requests {
        return Err(format!("{answered} answers to {requests} requests"));
    }
    provisioner
        .cleanup(&fixture)
        .await
        .map_err(|e| e.to_string())?;
    Ok(CeilingSide {
        requests,
        elapsed,
        client_cpu,
        classes,
    })
}

/// Sends `queue` in order over one keep-alive connection, reading every body; returns how many
/// answers came back, by status class (`[2xx, 4xx, other]`).
async fn send_all(authority: &str, queue: Vec<Req>) -> Result<[usize; 3], String> {
    let stream = tokio::net::TcpStream::connect(authority)
        .await
        .map_err(|e| format!("connect {authority}: {e}"))?;
    // As the harness's client does: no Nagle delay on small requests.
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let mut n = [0; 3];
    for req in queue {
        sender.ready().await.map_err(|e| e.to_string())?;
        let res = sender.send_request(req).await.map_err(|e| e.to_string())?;
        let class = match res.status().as_u16() {
            200..=299 => 0,
            400..=499 => 1,
            _ => 2,
        };
        res.into_body().collect().await.map_err(|e| e.to_string())?;
        n[class] += 1;
    }
    Ok(n)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

fn run(a: &Args) -> Result<(), String> {
    let bin = binary()?;
    let dir = tempfile::tempdir().map_err(|e| format!("cannot make a temporary directory: {e}"))?;
    let load_before = load_average();
    let server = Server::start(&bin)?;
    eprintln!(
        "reference target at {}; {} ForgotPassword property cases, concurrency {}",
        server.url, a.cases, a.concurrency
    );

    // The harness side first: Linux carries the peak RSS a process had before exec over into
    // the child's `ru_maxrss`, so the children must be spawned while this process is still
    // small (the ceiling side holds every request in memory).
    let server_pid = server.child.id();
    let mut harnesses = Vec::new();
    for round in 1..=a.rounds {
        eprintln!("harness {round}/{}: cognate run ...", a.rounds);
        let before = cpu_of(server_pid);
        let harness = harness_side(&bin, &server.url, a, dir.path())?;
        harnesses.push((harness, before, cpu_of(server_pid)));
    }
    let harness_rates: Vec<f64> = harnesses
        .iter()
        .map(|(h, _, _)| round(h.verdicts as f64 / h.wall.as_secs_f64(), 1))
        .collect();
    let peak_rss_kb = harnesses
        .iter()
        .map(|(h, _, _)| h.peak_rss_kb)
        .max()
        .unwrap_or(0);
    let (harness, server_cpu_0, server_cpu_1) = harnesses
        .into_iter()
        // The same cases each round: the shortest is the fastest.
        .min_by_key(|(h, _, _)| h.wall)
        .expect("at least one harness round");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a tokio runtime: {e}"))?;
    // As many rounds as the harness had, and the fastest counts: a ceiling that dips with
    // whatever else the machine runs must not make the harness look closer to it than it is.
    let mut ceilings = Vec::new();
    for round in 1..=a.rounds {
        eprintln!(
            "ceiling {round}/{}: plain HTTP load of the same requests ...",
            a.rounds
        );
        let before = cpu_of(server_pid);
        let ceiling = rt.block_on(ceiling_side(&server.url, a))?;
        ceilings.push((ceiling, before, cpu_of(server_pid)));
    }
    drop(rt);
    drop(server);
    let rates: Vec<f64> = ceilings
        .iter()
        .map(|(c, _, _)| round(c.requests as f64 / c.elapsed.as_secs_f64(), 1))
        .collect();
    let (ceiling, server_cpu_2, server_cpu_3) = ceilings
        .into_iter()
        // The same requests each round: the shortest is the fastest.
        .min_by_key(|(c, _, _)| c.elapsed)
        .expect("at least one ceiling round");

    let harness_rate = harness.verdicts as f64 / harness.wall.as_secs_f64();
    let replay_rate = harness.verdicts as f64 / (harness.replay_ms.max(1) as f64 / 1000.0);
    let ceiling_rate = ceiling.requests as f64 / ceiling.elapsed.as_secs_f64();
    let ratio = 100.0 * harness_rate / ceiling_rate;
    let replay_ratio = 100.0 * replay_rate / ceiling_rate;
    let rss_mb = peak_rss_kb as f64 / 1024.0;
    // CPU time per request, in µs: where the two cores go on each side. The server's share on
    // the ceiling side includes the ceiling's own provisioning, a few hundred requests.
    let per = |cpu: Duration, n: usize| round(cpu.as_secs_f64() * 1e6 / n.max(1) as f64, 2);
    let harness_cpu_us = per(harness.cpu, harness.verdicts);
    let client_cpu_us = per(ceiling.client_cpu, ceiling.requests);
    let server_cpu_us = |a: Option<Duration>, b: Option<Duration>, n| {
        a.zip(b).map(|(a, b)| per(b.saturating_sub(a), n))
    };
    let server_harness_us = server_cpu_us(server_cpu_0, server_cpu_1, harness.verdicts);
    let server_ceiling_us = server_cpu_us(server_cpu_2, server_cpu_3, ceiling.requests);
    let shown = |x: Option<f64>| x.map_or("unknown".to_owned(), |x| format!("{x:.1}"));

    println!("N (--cases)              {}", a.cases);
    println!("concurrency              {}", a.concurrency);
    let listed = |rates: &[f64]| {
        rates
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("rounds (each side)       {}", a.rounds);
    println!(
        "harness                  {} verdicts in {:.2} s wall: {harness_rate:.0} cases/s (the \
         fastest of {})",
        harness.verdicts,
        harness.wall.as_secs_f64(),
        listed(&harness_rates)
    );
    println!(
        "  replay+check only      {} ms (report.json elapsed_ms): {replay_rate:.0} cases/s",
        harness.replay_ms
    );
    println!(
        "ceiling (plain HTTP)     {} requests in {:.2} s: {ceiling_rate:.0} req/s (the fastest \
         of {})",
        ceiling.requests,
        ceiling.elapsed.as_secs_f64(),
        listed(&rates)
    );
    println!(
        "  ceiling answers        {} 2xx, {} 4xx, {} other",
        ceiling.classes[0], ceiling.classes[1], ceiling.classes[2]
    );
    println!("ratio harness/ceiling    {ratio:.1} % (replay+check only: {replay_ratio:.1} %)");
    println!(
        "CPU µs per request       harness {harness_cpu_us:.1} + server {}; ceiling client \
         {client_cpu_us:.1} + server {}",
        shown(server_harness_us),
        shown(server_ceiling_us)
    );
    println!("harness peak RSS         {rss_mb:.1} MB");
    println!("load average before      {load_before}");

    let line = serde_json::json!({
        "bench": "throughput",
        "operation": OPERATION,
        "cases": a.cases,
        "concurrency": a.concurrency,
        "rounds": a.rounds,
        "harness_verdicts": harness.verdicts,
        "harness_wall_s": round(harness.wall.as_secs_f64(), 3),
        "harness_cases_per_s": round(harness_rate, 1),
        "harness_rounds_cases_per_s": harness_rates,
        "harness_replay_ms": harness.replay_ms,
        "harness_replay_cases_per_s": round(replay_rate, 1),
        "ceiling_requests": ceiling.requests,
        "ceiling_s": round(ceiling.elapsed.as_secs_f64(), 3),
        "ceiling_req_per_s": round(ceiling_rate, 1),
        "ceiling_rounds_req_per_s": rates,
        "ceiling_2xx_4xx_other": ceiling.classes,
        "ratio_pct": round(ratio, 1),
        "replay_ratio_pct": round(replay_ratio, 1),
        "harness_peak_rss_mb": round(rss_mb, 1),
        "harness_cpu_us_per_case": harness_cpu_us,
        "server_cpu_us_per_case": server_harness_us,
        "ceiling_client_cpu_us_per_request": client_cpu_us,
        "ceiling_server_cpu_us_per_request": server_ceiling_us,
        "load_average_before": load_before,
    })
    .to_string();
    println!("{line}");
    if let Some(path) = &a.json {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        writeln!(f, "{line}").map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

fn round(x: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    (x * p).round() / p
}

fn main() -> ExitCode {
    let result = parse_args().and_then(|a| run(&a));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("throughput: {e}");
            ExitCode::FAILURE
        }
    }
}
