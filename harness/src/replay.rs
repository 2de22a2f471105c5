//! The replay stage, the only async one: sends each case's exact bytes to a target and captures
//! the [`Exchange`]. Keep-alive connections, bounded concurrency, a timeout per request, SigV4 for
//! the operations that need it. Placeholders are filled here, from the provisioned fixture.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use futures::stream::{FuturesUnordered, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::generate::{Case, Request};

/// What was sent, after placeholders were filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    pub url: String,
    /// Header names lower-cased, in sending order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    pub status: u16,
    /// Header names lower-cased, in received order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header of that (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why no response came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum TransportError {
    #[error("no response within {0} ms")]
    Timeout(u64),
    #[error("connection failed: {0}")]
    Connect(String),
    /// The answer was longer than the cap (`--max-response-bytes`): `declared` when its
    /// `Content-Length` said so before a byte of it was read. The connection was closed.
    #[error(
        "answer larger than --max-response-bytes ({limit} bytes): {}; the connection was closed",
        match declared {
            Some(n) => format!("Content-Length {n}"),
            None => format!("more than {limit} bytes came"),
        }
    )]
    TooLarge { limit: u64, declared: Option<u64> },
    /// The run stopped (a signal, `--deadline`) before the request went out.
    #[error("{}", NOT_SENT)]
    NotSent,
    #[error("{0}")]
    Other(String),
}

/// The reason of a request the run stopped before sending: the session keeps no verdict of it.
pub const NOT_SENT: &str = "not sent: the run was stopping";

/// The default cap on an answer's body (`--max-response-bytes`): Cognito's answers are a few
/// kilobytes, and a target that streams without end must not take the harness's memory.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 1 << 20;

/// One case's request and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    pub case_id: String,
    pub sent: Sent,
    pub result: Result<Response, TransportError>,
    pub elapsed: Duration,
}

/// Why the replay stage could not be set up (an `Err` is a broken run, never a contract failure).
#[derive(Debug, Error)]
pub enum ReplayError {
    /// The endpoint is not an http:// or https:// URL: a usage error.
    #[error("{0}")]
    Url(String),
    /// The trust for an https:// endpoint cannot be set up (a CA file that cannot be read).
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
}

/// How requests travel, beyond where they go: TLS trust, a client-side rate limit, and retries
/// of throttled answers. The default is what a loopback emulator needs: system roots for an
/// https:// URL, no limit, no retry.
#[derive(Debug, Clone, Default)]
pub struct Transport {
    pub trust: crate::tls::Trust,
    /// Requests per second at most, over all lanes.
    pub rate: Option<f64>,
    /// Times a throttled answer (`TooManyRequestsException`, `ThrottlingException`,
    /// `LimitExceededException`) is retried, after a jittered backoff, before it is kept.
    pub retries: u32,
    /// The longest answer body read ([`DEFAULT_MAX_RESPONSE_BYTES`] when `None`).
    pub max_response_bytes: Option<u64>,
}

/// The answers retried as throttling: the service asking the client to slow down.
pub const THROTTLING: [&str; 3] = [
    "TooManyRequestsException",
    "ThrottlingException",
    "LimitExceededException",
];

/// Credentials and region for SigV4; any static test credentials do for emulators. `Debug`
/// shows the access key's last four characters only.
#[derive(Clone)]
pub struct Signing {
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Signing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signing")
            .field("region", &self.region)
            .field("access_key", &crate::redact::key_tail(&self.access_key))
            .field("secret_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Signing {
    /// The credentials the embedded target knows (emulators check the form only).
    pub fn test_credentials(region: &str) -> Signing {
        Signing {
            region: region.to_owned(),
            access_key: crate::model::wire::TEST_ACCESS_KEY.into(),
            secret_key: crate::model::wire::TEST_SECRET_KEY.into(),
            session_token: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub concurrency: usize,
    pub timeout: Duration,
    pub signing: Signing,
}

/// Sends requests to one endpoint. Clones share the idle connections.
#[derive(Debug, Clone)]
pub struct Client {
    url: String,
    /// Where connections go (`host:port`).
    authority: String,
    /// The `Host` header: the port only when it is not 80, as other clients send it.
    host: http::HeaderValue,
    /// The request target in origin form (the endpoint's path).
    path: http::Uri,
    /// For an https:// endpoint: the TLS client and the name the certificate must be for.
    tls: Option<TlsClient>,
    idle: Arc<Mutex<Vec<Conn>>>,
    config: Config,
    retries: u32,
    max_body: u64,
    shared: Arc<Shared>,
}

/// The TLS side of an https:// endpoint's client.
#[derive(Clone)]
struct TlsClient {
    connector: tokio_rustls::TlsConnector,
    /// The name the certificate must be for.
    name: rustls::pki_types::ServerName<'static>,
}

impl std::fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TlsClient({:?})", self.name)
    }
}

/// What clones of a client share besides the idle connections: the rate limit's next free slot
/// and the count of retried answers.
#[derive(Debug, Default)]
struct Shared {
    /// The minimum time between two requests, and when the next may go.
    pace: Option<(Duration, Mutex<Instant>)>,
    retried: std::sync::atomic::AtomicU64,
    /// User pools created through this client and not deleted through it since, in creation
    /// order: what a sweep deletes when a run ends early (an error, Ctrl-C).
    pools: Mutex<Vec<String>>,
    /// Set while the run stops: nothing more goes out until [`Client::resume`].
    halted: std::sync::atomic::AtomicBool,
}

/// One HTTP/1.1 keep-alive connection, as hyper's connection-level API gives it. The harness
/// talks to one endpoint and needs nothing of a full client (redirects, cookies, proxies, a
/// pool keyed by host): reqwest's per-request work cost as much as checking a verdict, and
/// hyper-util's pool took about 5 % of the harness's time. A [`Client::run`] lane keeps its
/// connection for all its cases; single sends borrow one from `idle`.
type Conn = http1::SendRequest<Full<Bytes>>;

pub use crate::placeholder::{fill as fill_placeholders, Fill, NoFill};

impl Client {
    /// A client with the default [`Transport`].
    pub fn new(url: &str, config: Config) -> Result<Client, ReplayError> {
        Client::with_transport(url, config, &Transport::default())
    }

    pub fn with_transport(
        url: &str,
        config: Config,
        transport: &Transport,
    ) -> Result<Client, ReplayError> {
        let url = url.trim_end_matches('/').to_owned() + "/";
        let uri: http::Uri = url
            .parse()
            .map_err(|e| ReplayError::Url(format!("{url}: {e}")))?;
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => {
                return Err(ReplayError::Url(format!(
                    "{url}: not an http:// or https:// URL"
                )))
            }
        };
        let host = uri
            .host()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| ReplayError::Url(format!("{url}: no host")))?;
        let default_port = if https { 443 } else { 80 };
        let port = uri.port_u16();
        let authority = format!("{host}:{}", port.unwrap_or(default_port));
        let tls = if https {
            let name = crate::tls::server_name(host).map_err(ReplayError::Url)?;
            let connector = tokio_rustls::TlsConnector::from(transport.trust.client_config()?);
            Some(TlsClient { connector, name })
        } else {
            None
        };
        let host = match port {
            Some(p) if p != default_port => format!("{host}:{p}"),
            _ => host.to_owned(),
        };
        let host = http::HeaderValue::from_str(&host)
            .map_err(|e| ReplayError::Url(format!("{url}: {e}")))?;
        let path = http::Uri::from_maybe_shared(Bytes::copy_from_slice(uri.path().as_bytes()))
            .map_err(|e| ReplayError::Url(format!("{url}: {e}")))?;
        let pace = transport
            .rate
            .filter(|r| r.is_finite() && *r > 0.0)
            .map(|r| (Duration::from_secs_f64(1.0 / r), Mutex::new(Instant::now())));
        Ok(Client {
            url,
            authority,
            host,
            path,
            tls,
            idle: Arc::new(Mutex::new(Vec::new())),
            config,
            retries: transport.retries,
            max_body: transport
                .max_response_bytes
                .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            shared: Arc::new(Shared {
                pace,
                ..Shared::default()
            }),
        })
    }

    /// How many throttled answers were retried so far, by this client and its clones.
    pub fn retried(&self) -> u64 {
        self.shared
            .retried
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Stops sending: from now on this client and its clones send nothing (each send answers
    /// [`TransportError::NotSent`], and [`Client::run`] takes no further case) until
    /// [`Client::resume`]. Requests already out finish.
    pub fn halt(&self) {
        self.shared
            .halted
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Sends again after [`Client::halt`]: the clean-up of a stopped run.
    pub fn resume(&self) {
        self.shared
            .halted
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether [`Client::halt`] holds.
    pub fn halted(&self) -> bool {
        self.shared.halted.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The user pools this client (or a clone) created and has not deleted, oldest first.
    pub fn created_pools(&self) -> Vec<String> {
        self.shared
            .pools
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Keeps the ledger of created pools: a CreateUserPool that succeeded adds its pool, a
    /// DeleteUserPool that succeeded (or found no such pool) removes it.
    fn track(&self, target: &str, sent: &[u8], r: &Response) {
        let op = target.rsplit('.').next().unwrap_or_default();
        let id_at = |body: &[u8], pointer: &str| {
            serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|v| {
                    v.pointer(pointer)
                        .and_then(|i| i.as_str())
                        .map(str::to_owned)
                })
        };
        let mut pools = self.shared.pools.lock().unwrap_or_else(|e| e.into_inner());
        match op {
            "CreateUserPool" if r.status == 200 => pools.extend(id_at(&r.body, "/UserPool/Id")),
            "DeleteUserPool"
                if r.status == 200
                    || (r.status == 400
                        && String::from_utf8_lossy(&r.body).contains("ResourceNotFound")) =>
            {
                if let Some(id) = id_at(sent, "/UserPoolId") {
                    pools.retain(|p| *p != id);
                }
            }
            _ => {}
        }
    }

    /// Waits for the rate limit's next free slot, if there is a limit.
    async fn pace(&self) {
        let Some((interval, next)) = &self.shared.pace else {
            return;
        };
        let slot = {
            let mut next = next.lock().unwrap_or_else(|e| e.into_inner());
            let slot = (*next).max(Instant::now());
            *next = slot + *interval;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// POSTs an empty body to a path of the endpoint (a target's own admin API, not
    /// cognito-idp) and returns the status.
    pub async fn post_empty(&self, path: &str) -> Result<u16, String> {
        self.plain(http::Method::POST, path).await.map(|r| r.status)
    }

    /// GETs a path of the endpoint (a document the target publishes, such as a pool's JWKS).
    pub async fn get(&self, path: &str) -> Result<Response, String> {
        self.plain(http::Method::GET, path).await
    }

    /// A bodiless request to a path of the endpoint, outside the cognito-idp protocol.
    async fn plain(&self, method: http::Method, path: &str) -> Result<Response, String> {
        let target = format!("{}{}", self.path, path.trim_start_matches('/'));
        let request = http::Request::builder()
            .method(method)
            .uri(target)
            .header(http::header::HOST, self.host.clone())
            .body(Full::new(Bytes::new()))
            .map_err(|e| e.to_string())?;
        self.pace().await;
        let mut conn = self.checkout();
        let result = tokio::time::timeout(self.config.timeout, self.exchange(&mut conn, request))
            .await
            .unwrap_or_else(|_| Err(self.timed_out()));
        self.checkin(conn);
        result.map_err(|e| e.to_string())
    }

    /// Sends one request, body and headers exactly as given (after placeholders are filled).
    pub async fn send(&self, case_id: &str, request: &Request, fill: &dyn Fill) -> Exchange {
        let mut conn = self.checkout();
        let exchange = self.send_on(&mut conn, case_id, request, fill).await;
        self.checkin(conn);
        exchange
    }

    /// [`Client::send`] on a given connection slot, which it fills when empty and leaves empty
    /// when the connection can no longer be used.
    async fn send_on(
        &self,
        conn: &mut Option<Conn>,
        case_id: &str,
        request: &Request,
        fill: &dyn Fill,
    ) -> Exchange {
        let (sent, signed) = self.wire(request, fill);
        if self.halted() {
            return Exchange {
                case_id: case_id.to_owned(),
                sent,
                result: Err(TransportError::NotSent),
                elapsed: Duration::ZERO,
            };
        }
        if let Err(e) = signed {
            return Exchange {
                case_id: case_id.to_owned(),
                sent,
                result: Err(TransportError::Other(format!("signing failed: {e}"))),
                elapsed: Duration::ZERO,
            };
        }
        let started = Instant::now();
        let mut attempt = 0;
        let result = loop {
            self.pace().await;
            let result = match self.request(&sent) {
                // A timed-out exchange is dropped with the connection it held.
                Ok(request) => {
                    tokio::time::timeout(self.config.timeout, self.exchange(conn, request))
                        .await
                        .unwrap_or_else(|_| Err(self.timed_out()))
                }
                Err(e) => Err(e),
            };
            match &result {
                Ok(r) if attempt < self.retries && throttled(r) => {
                    attempt += 1;
                    self.shared
                        .retried
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tokio::time::sleep(backoff(attempt)).await;
                }
                _ => break result,
            }
        };
        if let (Ok(r), Some(t)) = (&result, &request.target) {
            self.track(t, &sent.body, r);
        }
        Exchange {
            case_id: case_id.to_owned(),
            sent,
            result,
            elapsed: started.elapsed(),
        }
    }

    fn timed_out(&self) -> TransportError {
        TransportError::Timeout(self.config.timeout.as_millis() as u64)
    }

    /// The HTTP request of `sent`; a header the http crate refuses (a generated value no client
    /// could send) is a transport error of that case, not of the run.
    fn request(&self, sent: &Sent) -> Result<http::Request<Full<Bytes>>, TransportError> {
        let mut rb = http::Request::post(self.path.clone());
        for (k, v) in &sent.headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        // Last, where hyper's pooled client put it: the bytes on the wire did not change.
        rb = rb.header(http::header::HOST, self.host.clone());
        rb.body(Full::new(Bytes::copy_from_slice(&sent.body)))
            .map_err(|e| TransportError::Other(format!("cannot build the request: {e}")))
    }

    /// An idle connection, if there is one.
    fn checkout(&self) -> Option<Conn> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(c) = idle.pop() {
            if !c.is_closed() {
                return Some(c);
            }
        }
        None
    }

    /// Keeps a connection for later sends, up to one per concurrency slot.
    fn checkin(&self, conn: Option<Conn>) {
        let Some(c) = conn.filter(|c| !c.is_closed()) else {
            return;
        };
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.config.concurrency.max(1) {
            idle.push(c);
        }
    }

    /// A new connection, its I/O driven by a task of its own until either side closes it.
    async fn connect(&self) -> Result<Conn, TransportError> {
        let connect = |e: std::io::Error| TransportError::Connect(e.to_string());
        let stream = tokio::net::TcpStream::connect(&self.authority)
            .await
            .map_err(connect)?;
        // Small requests go out at once, not after Nagle's delay.
        stream.set_nodelay(true).map_err(connect)?;
        let handshake_error = |e: hyper::Error| TransportError::Connect(root_cause(&e));
        let Some(TlsClient { connector, name }) = &self.tls else {
            let (sender, connection) = handshake(TokioIo::new(stream))
                .await
                .map_err(handshake_error)?;
            tokio::spawn(async move {
                // Its errors reach the request waiting on it; nothing is left to report here.
                let _ = connection.await;
            });
            return Ok(sender);
        };
        let stream = connector
            .connect(name.clone(), stream)
            .await
            .map_err(|e| TransportError::Connect(format!("TLS: {}", root_cause(&e))))?;
        let (sender, connection) = handshake(TokioIo::new(stream))
            .await
            .map_err(handshake_error)?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// Sends one request on `conn` (opening a connection when it holds none) and reads the
    /// whole answer. A kept connection may have been closed by the target since its last use;
    /// a request that never went out on it is sent once more on a new one, as hyper's pooled
    /// client did. `conn` is left holding the connection only when it can take another request.
    async fn exchange(
        &self,
        conn: &mut Option<Conn>,
        mut request: http::Request<Full<Bytes>>,
    ) -> Result<Response, TransportError> {
        loop {
            let (mut sender, kept) = match conn.take() {
                Some(c) => (c, true),
                None => (self.connect().await?, false),
            };
            if let Err(e) = sender.ready().await {
                if kept {
                    continue;
                }
                return Err(TransportError::Other(root_cause(&e)));
            }
            let resp = match sender.try_send_request(request).await {
                Ok(resp) => resp,
                Err(mut e) => match e.take_message() {
                    Some(unsent) if kept => {
                        request = unsent;
                        continue;
                    }
                    _ => return Err(TransportError::Other(root_cause(e.error()))),
                },
            };
            let (parts, body) = resp.into_parts();
            let headers = header_pairs(&parts.headers);
            // An early return drops `sender` and the body: the connection is closed, and
            // nothing more of an answer over the cap is read.
            let body = self.read_body(&parts.headers, body).await?;
            *conn = Some(sender);
            return Ok(Response {
                status: parts.status.as_u16(),
                headers,
                body,
            });
        }
    }

    /// An answer's body, up to the cap: a `Content-Length` over it is refused before a byte is
    /// read, and a body that grows past it (chunked, or longer than it said) is cut off there.
    async fn read_body(
        &self,
        headers: &http::HeaderMap,
        mut body: hyper::body::Incoming,
    ) -> Result<Vec<u8>, TransportError> {
        let limit = self.max_body;
        let declared = headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(n) = declared.filter(|n| *n > limit) {
            return Err(TransportError::TooLarge {
                limit,
                declared: Some(n),
            });
        }
        // The frames are kept as they come and joined once at the end: a body cut off at the
        // cap was never copied, and one under it is copied once.
        let mut frames = Vec::new();
        let mut len = 0u64;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| TransportError::Other(root_cause(&e)))?;
            if let Ok(data) = frame.into_data() {
                len += data.len() as u64;
                if len > limit {
                    return Err(TransportError::TooLarge {
                        limit,
                        declared: None,
                    });
                }
                frames.push(data);
            }
        }
        Ok(match frames.len() {
            1 => frames.swap_remove(0).into(),
            _ => frames.concat(),
        })
    }

    /// What [`Client::send`] puts on the wire for `request`: placeholders filled, `X-Amz-Target`
    /// and `Content-Type` as the request gives them, SigV4 headers when it is signed. For sending
    /// the same bytes another way (the throughput bench's plain-HTTP ceiling); an `Err` is why
    /// signing failed.
    pub fn prepare(&self, request: &Request, fill: &dyn Fill) -> Result<Sent, String> {
        let (sent, signed) = self.wire(request, fill);
        signed.map(|()| sent)
    }

    /// The request as it goes out, and whether signing it worked (unsigned headers on failure).
    fn wire(&self, request: &Request, fill: &dyn Fill) -> (Sent, Result<(), String>) {
        let body = fill_placeholders(&request.body, fill).into_bytes();
        let mut headers: Vec<(String, String)> = Vec::new();
        if let Some(t) = &request.target {
            headers.push(("x-amz-target".into(), t.clone()));
        }
        if let Some(ct) = &request.content_type {
            headers.push(("content-type".into(), ct.clone()));
        }
        let mut signed = Ok(());
        if request.signed {
            match self.sign(&headers, &body, request.forgery) {
                Ok(extra) => headers.extend(extra),
                Err(e) => signed = Err(e),
            }
        }
        let sent = Sent {
            url: self.url.clone(),
            headers,
            body,
        };
        (sent, signed)
    }

    /// The SigV4 headers for a POST of `body` with `headers` to the endpoint.
    fn sign(
        &self,
        headers: &[(String, String)],
        body: &[u8],
        forgery: crate::generate::Forgery,
    ) -> Result<Vec<(String, String)>, String> {
        use crate::generate::Forgery;
        use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
        use aws_sigv4::sign::v4;
        let s = &self.config.signing;
        let (access_key, secret_key) = match forgery {
            Forgery::None => (s.access_key.clone(), s.secret_key.clone()),
            Forgery::WrongSecret => (s.access_key.clone(), format!("{}-wrong", s.secret_key)),
            Forgery::UnknownKey => (
                crate::model::wire::UNKNOWN_ACCESS_KEY.to_owned(),
                s.secret_key.clone(),
            ),
        };
        let creds = aws_credential_types::Credentials::new(
            &access_key,
            &secret_key,
            s.session_token.clone(),
            None,
            "cognate",
        );
        let identity = creds.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&s.region)
            .name("cognito-idp")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| e.to_string())?
            .into();
        let signable = SignableRequest::new(
            "POST",
            &self.url,
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(body),
        )
        .map_err(|e| e.to_string())?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| e.to_string())?
            .into_parts();
        Ok(instructions
            .headers()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
            .collect())
    }

    /// Sends every case with at most `concurrency` in flight, handing each exchange to `each` as
    /// it completes (in completion order). Cases are taken from the iterator only as slots free
    /// up, so a lazily generated stream is never held whole. Each slot is a lane with a
    /// connection of its own; all lanes run in the caller's task.
    pub async fn run<C: Borrow<Case>>(
        &self,
        cases: impl IntoIterator<Item = C>,
        fill: &dyn Fill,
        each: impl FnMut(&Case, Exchange),
    ) {
        // Neither is borrowed across an await: lanes interleave only between cases.
        let cases = RefCell::new(cases.into_iter().fuse());
        let each = RefCell::new(each);
        let lane = || async {
            let mut conn = self.checkout();
            loop {
                // A stopping run takes no further case: what is left stays unsent.
                if self.halted() {
                    break;
                }
                let Some(c) = cases.borrow_mut().next() else {
                    break;
                };
                let case = c.borrow();
                let exchange = self.send_on(&mut conn, &case.id, &case.request, fill).await;
                (each.borrow_mut())(case, exchange);
            }
            self.checkin(conn);
        };
        let mut lanes: FuturesUnordered<_> = (0..self.config.concurrency.max(1))
            .map(|_| lane())
            .collect();
        while lanes.next().await.is_some() {}
    }
}

/// The HTTP/1.1 handshake on a new connection. Its read buffer is capped at 64 KiB instead of
/// hyper's ~400 KiB: Cognito's answers are a few kilobytes, and a target that streams without
/// end would otherwise hold that much per connection on top of the answer being read.
async fn handshake<T>(io: T) -> hyper::Result<(Conn, http1::Connection<T, Full<Bytes>>)>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    http1::Builder::new()
        .max_buf_size(64 << 10)
        .handshake(io)
        .await
}

/// Whether an answer is the service asking the client to slow down ([`THROTTLING`]).
fn throttled(r: &Response) -> bool {
    if !(r.status == 400 || r.status == 429) {
        return false;
    }
    let from_header = r.header("x-amzn-errortype").map(str::to_owned);
    let from_body = || {
        serde_json::from_slice::<serde_json::Value>(&r.body)
            .ok()
            .and_then(|v| v.get("__type").and_then(|t| t.as_str()).map(str::to_owned))
    };
    let Some(kind) = from_header.or_else(from_body) else {
        return false;
    };
    // `prefix#Name`, `Name:http://...`: the name is what matters.
    let name = kind.rsplit('#').next().unwrap_or(&kind);
    let name = name.split(':').next().unwrap_or(name);
    THROTTLING.contains(&name)
}

/// The wait before the `attempt`th retry: exponential from 100 ms up to 5 s, half of it random
/// so that lanes throttled together do not retry together.
fn backoff(attempt: u32) -> Duration {
    let ceiling = Duration::from_millis(100)
        .saturating_mul(1 << attempt.min(6))
        .min(Duration::from_secs(5));
    let half = ceiling / 2;
    half + half.mul_f64(rand::random::<f64>())
}

/// Headers as (name, value) pairs in received order: names lower-case (the http crate keeps
/// them so), values as text, lossily.
pub(crate) fn header_pairs(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The innermost error's text: hyper's own is only "client error (Connect)" and the like.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    let mut text = e.to_string();
    while let Some(next) = cur.source() {
        text = next.to_string();
        cur = next;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Map;
    impl Fill for Map {
        fn fill(&self, name: &str) -> Option<String> {
            (name == "user.email").then(|| "al\"ice".to_owned())
        }
    }

    #[test]
    fn throttling_answers_are_recognised_by_name() {
        let answer = |status, header: Option<&str>, body: &str| Response {
            status,
            headers: header
                .map(|h| vec![("x-amzn-errortype".to_owned(), h.to_owned())])
                .unwrap_or_default(),
            body: body.as_bytes().to_vec(),
        };
        assert!(throttled(&answer(
            400,
            Some("TooManyRequestsException:"),
            ""
        )));
        assert!(throttled(&answer(
            400,
            None,
            r#"{"__type":"com.amazonaws#ThrottlingException"}"#
        )));
        assert!(throttled(&answer(
            429,
            None,
            r#"{"__type":"LimitExceededException"}"#
        )));
        assert!(!throttled(&answer(
            400,
            None,
            r#"{"__type":"InvalidParameterException"}"#
        )));
        assert!(!throttled(&answer(
            200,
            None,
            r#"{"__type":"ThrottlingException"}"#
        )));
        for attempt in 1..10 {
            let d = backoff(attempt);
            assert!(
                d >= Duration::from_millis(100) && d <= Duration::from_secs(5),
                "{d:?}"
            );
        }
    }

    #[test]
    fn http_and_https_endpoints_are_accepted() {
        let config = Config {
            concurrency: 1,
            timeout: Duration::from_secs(1),
            signing: Signing::test_credentials("us-east-1"),
        };
        let c = Client::new("http://127.0.0.1:9229", config.clone()).expect("http is accepted");
        assert_eq!(c.url(), "http://127.0.0.1:9229/");
        let insecure = Transport {
            trust: crate::tls::Trust {
                ca_cert: None,
                insecure: true,
            },
            ..Transport::default()
        };
        let c = Client::with_transport(
            "https://cognito-idp.us-east-1.amazonaws.com",
            config.clone(),
            &insecure,
        )
        .expect("https is accepted");
        assert_eq!(c.authority, "cognito-idp.us-east-1.amazonaws.com:443");
        let e = Client::new("ftp://127.0.0.1/", config).expect_err("not http");
        assert!(
            e.to_string().contains("not an http:// or https:// URL"),
            "{e}"
        );
    }

    #[test]
    fn placeholders_are_filled_as_json_string_content() {
        let body =
            r#"{"Username":"{{cognate:user.email}}","X":"{{cognate:nope}}","Y":"{{cognate:"}"#;
        assert_eq!(
            fill_placeholders(body, &Map),
            r#"{"Username":"al\"ice","X":"{{cognate:nope}}","Y":"{{cognate:"}"#
        );
    }
}
