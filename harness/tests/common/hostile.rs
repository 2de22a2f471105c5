//! A hostile target: a raw TCP server on 127.0.0.1 that passes every request through to an
//! upstream (a `cognate serve` reference) except the victim operation's, those whose
//! `X-Amz-Target` ends with `.ForgotPassword`, which it answers badly in its [`Mode`]'s way:
//! never, half, slowly, without end, not in HTTP, compressed, redirected, as a web page.
//!
//! Nothing it holds grows with what a client sends or takes: a request is read up to a cap, and
//! the endless answers are written from one shared buffer. Connections are served by tasks of
//! the accept loop's own, so dropping the [`Hostile`] ends them all.
#![allow(dead_code)] // the tests use a part each

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// How the victim operation is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The request is read, then nothing: the connection stays open until the client closes it.
    Silent,
    /// A 200's head announcing 100 bytes, then nothing.
    HeadersThenSilence,
    /// A head announcing 1,000 bytes, then one byte a second.
    Drip,
    /// A chunked answer of 64 KiB chunks that never ends.
    EndlessChunked,
    /// `Content-Length: 10000000000`, then bytes until the client goes.
    HugeLength,
    /// A head announcing 100 bytes, then a TCP reset.
    ResetAfterHeaders,
    /// An SSH server's banner.
    NotHttp,
    /// A 400 announcing 500 bytes, 60 of them sent, then the connection closed.
    WrongLength,
    /// A 400 error body gzipped, with `Content-Encoding: gzip`.
    Gzip,
    /// A 400 error body with two bytes that are not UTF-8.
    InvalidUtf8,
    /// `100 Continue`, then nothing.
    ContinueThenNothing,
    /// A 307 to the very same URL.
    RedirectLoop,
    /// A 200 with an HTML page.
    Html200,
}

impl Mode {
    pub const ALL: [Mode; 13] = [
        Mode::Silent,
        Mode::HeadersThenSilence,
        Mode::Drip,
        Mode::EndlessChunked,
        Mode::HugeLength,
        Mode::ResetAfterHeaders,
        Mode::NotHttp,
        Mode::WrongLength,
        Mode::Gzip,
        Mode::InvalidUtf8,
        Mode::ContinueThenNothing,
        Mode::RedirectLoop,
        Mode::Html200,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Silent => "silent",
            Mode::HeadersThenSilence => "headers_then_silence",
            Mode::Drip => "drip",
            Mode::EndlessChunked => "endless_chunked",
            Mode::HugeLength => "huge_length",
            Mode::ResetAfterHeaders => "reset_after_headers",
            Mode::NotHttp => "not_http",
            Mode::WrongLength => "wrong_length",
            Mode::Gzip => "gzip",
            Mode::InvalidUtf8 => "invalid_utf8",
            Mode::ContinueThenNothing => "continue_then_nothing",
            Mode::RedirectLoop => "redirect_loop",
            Mode::Html200 => "html_200",
        }
    }
}

/// The end of the victim operation's `X-Amz-Target` (case-sensitive: the lower-case spelling a
/// routing case sends is passed through).
const VICTIM: &[u8] = b".ForgotPassword";
const JSON_1_1: &str = "application/x-amz-json-1.1";
const JSON_TYPE: (&str, &str) = ("Content-Type", JSON_1_1);
/// A request head longer than this closes the connection.
const MAX_HEAD: usize = 64 * 1024;
/// A request body longer than this closes the connection (the harness's are a few KiB).
const MAX_BODY: usize = 1 << 20;
/// An upstream answer longer than this is a 502 (the reference's are a few KiB).
const MAX_UPSTREAM_BODY: usize = 16 << 20;
/// The size of what the endless modes write at a time.
const CHUNK: usize = 64 * 1024;

/// The error the gzip mode compresses.
pub const GZIP_ERROR: &[u8] =
    br#"{"__type":"UserNotFoundException","message":"Username/client id combination not found."}"#;
/// The error body of the invalid-UTF-8 mode: `\xff\xfe` are raw bytes, not text.
pub const INVALID_UTF8_ERROR: &[u8] =
    b"{\"__type\":\"InvalidParameterException\",\"message\":\"bad \xff\xfe value\"}";
/// The wrong-length mode's body: 60 bytes of a 500 announced.
pub const SHORT_ERROR: &[u8] = br#"{"__type":"InvalidParameterException","message":"truncated"}"#;

/// A hostile server on 127.0.0.1; its accept loop and connections stop when it is dropped.
pub struct Hostile {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

/// What every connection of one server reads.
struct Shared {
    mode: Mode,
    /// The upstream's base URL, without a trailing slash.
    upstream: String,
    client: reqwest::Client,
    /// The html_200 mode's page.
    page: Vec<u8>,
    /// The gzip mode's body, built once.
    gzip: Vec<u8>,
    /// One chunk of the endless chunked answer, framing included.
    chunk: Vec<u8>,
    /// What the huge-length mode writes at a time.
    filler: Vec<u8>,
    victims: AtomicUsize,
    forwarded: AtomicUsize,
}

/// What a connection does after an answer.
enum Next {
    KeepAlive,
    Close,
}

impl Hostile {
    /// A server in `mode` in front of `upstream` (`http://127.0.0.1:PORT`).
    pub async fn start(mode: Mode, upstream: &str) -> Hostile {
        Hostile::start_with_page(mode, upstream, 0).await
    }

    /// [`Hostile::start`] with the html_200 page padded to at least `page_len` bytes.
    pub async fn start_with_page(mode: Mode, upstream: &str, page_len: usize) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port on 127.0.0.1");
        let addr = listener.local_addr().expect("the bound address");
        let client = reqwest::Client::builder()
            // Straight to the loopback upstream, whatever proxy the machine's environment names.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a plain HTTP client");
        let mut chunk = format!("{CHUNK:x}\r\n").into_bytes();
        chunk.resize(chunk.len() + CHUNK, b'x');
        chunk.extend_from_slice(b"\r\n");
        let shared = Arc::new(Shared {
            mode,
            upstream: upstream.trim_end_matches('/').to_owned(),
            client,
            page: html_page(page_len),
            gzip: gzip_stored(GZIP_ERROR),
            chunk,
            filler: vec![b'x'; CHUNK],
            victims: AtomicUsize::new(0),
            forwarded: AtomicUsize::new(0),
        });
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Hostile {
            addr,
            shared,
            accept,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Victim requests read so far (each got the mode's answer).
    pub fn victims(&self) -> usize {
        self.shared.victims.load(Ordering::Relaxed)
    }

    /// Other requests passed through to the upstream so far.
    pub fn forwarded(&self) -> usize {
        self.shared.forwarded.load(Ordering::Relaxed)
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    // The connections' tasks belong to this set: aborting this task drops it, which aborts them.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve(stream, Arc::clone(&shared)));
                }
                // Out of descriptors and the like: try again shortly rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            // Ended connections are reaped as they go, so the set is only as large as what is open.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// One connection: requests in turn (keep-alive) until the client closes it or an answer ends it.
async fn serve(mut stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    // Bytes read past the current request (a pipelined next one), bounded by the caps.
    let mut buf = Vec::new();
    while let Some(req) = read_request(&mut stream, &mut buf).await {
        let next = if req.is_victim() {
            shared.victims.fetch_add(1, Ordering::Relaxed);
            misbehave(&mut stream, &shared).await
        } else {
            shared.forwarded.fetch_add(1, Ordering::Relaxed);
            forward(&mut stream, req, &shared).await
        };
        if matches!(next, Next::Close) {
            return;
        }
    }
}

/// A request as read off the wire.
struct Request {
    method: String,
    path: String,
    /// Names lower-cased, in received order.
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_slice())
    }

    fn is_victim(&self) -> bool {
        self.header("x-amz-target")
            .is_some_and(|t| t.ends_with(VICTIM))
    }

    fn wants_close(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case(b"close"))
    }
}

/// The next whole request on the connection; `None` when the client closed it, or sent what
/// this server does not take (a malformed or oversized request, a chunked body).
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Request> {
    let mut scratch = [0u8; 8192];
    let (head_len, mut req) = loop {
        let parsed = {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut r = httparse::Request::new(&mut headers);
            let status = r.parse(&buf[..]);
            match status {
                Ok(httparse::Status::Complete(n)) => Some((
                    n,
                    Request {
                        method: r.method.unwrap_or("GET").to_owned(),
                        path: r.path.unwrap_or("/").to_owned(),
                        headers: r
                            .headers
                            .iter()
                            .map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec()))
                            .collect(),
                        body: Vec::new(),
                    },
                )),
                Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => None,
                _ => return None,
            }
        };
        if let Some(p) = parsed {
            break p;
        }
        let n = stream.read(&mut scratch).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&scratch[..n]);
    };
    buf.drain(..head_len);
    if req.header("transfer-encoding").is_some() {
        return None;
    }
    let length = match req.header("content-length") {
        None => 0,
        Some(v) => std::str::from_utf8(v).ok()?.trim().parse::<usize>().ok()?,
    };
    if length > MAX_BODY {
        return None;
    }
    while buf.len() < length {
        let n = stream.read(&mut scratch).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&scratch[..n]);
    }
    req.body = buf.drain(..length).collect();
    Some(req)
}

/// A response head: the status line, the headers, the blank line.
fn head(status: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// A whole answer with its Content-Length.
fn answer(status: &str, content_type: &str, extra: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let length = body.len().to_string();
    let mut headers = vec![
        ("Content-Type", content_type),
        ("Content-Length", length.as_str()),
    ];
    headers.extend_from_slice(extra);
    let mut out = head(status, &headers);
    out.extend_from_slice(body);
    out
}

/// Reads and drops whatever comes until the client closes the connection: it stays open
/// without anything being kept.
async fn until_closed(stream: &mut TcpStream) {
    let mut scratch = [0u8; 4096];
    while let Ok(n) = stream.read(&mut scratch).await {
        if n == 0 {
            break;
        }
    }
}

/// Writes `bytes` again and again until the client goes (the write fails).
async fn until_write_fails(stream: &mut TcpStream, bytes: &[u8]) {
    while stream.write_all(bytes).await.is_ok() {}
}

/// The mode's answer to a victim request.
async fn misbehave(stream: &mut TcpStream, shared: &Shared) -> Next {
    // A failed write means the client went: nothing more to do on this connection either way.
    match shared.mode {
        Mode::Silent => {
            until_closed(stream).await;
            Next::Close
        }
        Mode::HeadersThenSilence => {
            let h = head("200 OK", &[JSON_TYPE, ("Content-Length", "100")]);
            if stream.write_all(&h).await.is_ok() {
                until_closed(stream).await;
            }
            Next::Close
        }
        Mode::Drip => {
            drip(stream).await;
            Next::Close
        }
        Mode::EndlessChunked => {
            let h = head("200 OK", &[JSON_TYPE, ("Transfer-Encoding", "chunked")]);
            if stream.write_all(&h).await.is_ok() {
                until_write_fails(stream, &shared.chunk).await;
            }
            Next::Close
        }
        Mode::HugeLength => {
            let h = head("200 OK", &[JSON_TYPE, ("Content-Length", "10000000000")]);
            if stream.write_all(&h).await.is_ok() {
                until_write_fails(stream, &shared.filler).await;
            }
            Next::Close
        }
        Mode::ResetAfterHeaders => {
            let h = head("200 OK", &[JSON_TYPE, ("Content-Length", "100")]);
            if stream.write_all(&h).await.is_ok() {
                // A moment for the head to be read, so the reset cuts the body, not the head.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            // Linger zero: closing sends RST, not FIN. The caller drops the stream.
            let _ = stream.set_zero_linger();
            Next::Close
        }
        Mode::NotHttp => {
            let _ = stream
                .write_all(b"SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\n")
                .await;
            let _ = stream.shutdown().await;
            Next::Close
        }
        Mode::WrongLength => {
            let mut out = head("400 Bad Request", &[JSON_TYPE, ("Content-Length", "500")]);
            out.extend_from_slice(SHORT_ERROR);
            let _ = stream.write_all(&out).await;
            let _ = stream.shutdown().await;
            Next::Close
        }
        Mode::Gzip => {
            let out = answer(
                "400 Bad Request",
                JSON_1_1,
                &[("Content-Encoding", "gzip")],
                &shared.gzip,
            );
            written(stream.write_all(&out).await)
        }
        Mode::InvalidUtf8 => {
            let out = answer("400 Bad Request", JSON_1_1, &[], INVALID_UTF8_ERROR);
            written(stream.write_all(&out).await)
        }
        Mode::ContinueThenNothing => {
            if stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await
                .is_ok()
            {
                until_closed(stream).await;
            }
            Next::Close
        }
        Mode::RedirectLoop => {
            let out = head(
                "307 Temporary Redirect",
                &[("Location", "/"), ("Content-Length", "0")],
            );
            written(stream.write_all(&out).await)
        }
        Mode::Html200 => {
            let out = answer("200 OK", "text/html", &[], &shared.page);
            written(stream.write_all(&out).await)
        }
    }
}

/// A whole answer went out: the connection can take the next request.
fn written(result: std::io::Result<()>) -> Next {
    match result {
        Ok(()) => Next::KeepAlive,
        Err(_) => Next::Close,
    }
}

/// A head announcing 1,000 bytes, then a byte a second, until they are all out or the client
/// goes (noticed when it closes, not only at the next write).
async fn drip(stream: &mut TcpStream) {
    let h = head("200 OK", &[JSON_TYPE, ("Content-Length", "1000")]);
    let (mut rd, mut wr) = stream.split();
    if wr.write_all(&h).await.is_err() {
        return;
    }
    let mut scratch = [0u8; 4096];
    let mut sent = 0;
    while sent < 1000 {
        tokio::select! {
            got = rd.read(&mut scratch) => {
                if matches!(got, Ok(0) | Err(_)) {
                    return;
                }
            }
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                if wr.write_all(b" ").await.is_err() {
                    return;
                }
                sent += 1;
            }
        }
    }
}

/// Passes a request to the upstream and its answer back: the status, the headers a Cognito
/// client reads, the body with a Content-Length. An upstream that fails is a 502, and the end
/// of the connection.
async fn forward(stream: &mut TcpStream, req: Request, shared: &Shared) -> Next {
    let close = req.wants_close();
    match pass_through(req, shared).await {
        Ok(out) => {
            let next = written(stream.write_all(&out).await);
            if close {
                Next::Close
            } else {
                next
            }
        }
        Err(why) => {
            let out = answer(
                "502 Bad Gateway",
                "text/plain",
                &[],
                format!("hostile proxy: {why}").as_bytes(),
            );
            let _ = stream.write_all(&out).await;
            Next::Close
        }
    }
}

/// The upstream's answer to `req`, as bytes to write back.
async fn pass_through(req: Request, shared: &Shared) -> Result<Vec<u8>, String> {
    let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|e| e.to_string())?;
    let mut rb = shared
        .client
        .request(method, format!("{}{}", shared.upstream, req.path));
    for (name, value) in &req.headers {
        // Hop-by-hop and framing headers are the client's own; Host is kept as sent, since
        // the reference checks SigV4 signatures that cover it.
        if matches!(
            name.as_str(),
            "content-length" | "transfer-encoding" | "connection" | "keep-alive" | "expect"
        ) {
            continue;
        }
        rb = rb.header(name.as_str(), value.as_slice());
    }
    let mut resp = rb.body(req.body).send().await.map_err(|e| e.to_string())?;
    let status = resp.status();
    let kept: Vec<(String, String)> = [
        "content-type",
        "x-amzn-errortype",
        "x-amzn-errormessage",
        "x-amzn-requestid",
    ]
    .iter()
    .filter_map(|name| {
        let v = resp.headers().get(*name)?.to_str().ok()?;
        Some(((*name).to_owned(), v.to_owned()))
    })
    .collect();
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > MAX_UPSTREAM_BODY {
            return Err(format!("upstream answer over {MAX_UPSTREAM_BODY} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    let line = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Unknown")
    );
    let length = body.len().to_string();
    let mut headers: Vec<(&str, &str)> =
        kept.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    headers.push(("Content-Length", length.as_str()));
    let mut out = head(&line, &headers);
    out.extend_from_slice(&body);
    Ok(out)
}

/// A small web server's welcome page, padded with a comment to at least `min_len` bytes.
fn html_page(min_len: usize) -> Vec<u8> {
    let mut page = String::from(
        "<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>\n\
         <body><h1>Welcome to nginx!</h1><p>If you see this page, the web server is \
         successfully installed and working.</p></body></html>\n",
    );
    if page.len() < min_len {
        let pad = min_len - page.len();
        page.push_str(&format!("<!-- {} -->\n", "x".repeat(pad)));
    }
    page.into_bytes()
}

/// `data` as one gzip member holding a single stored (uncompressed) deflate block: what a
/// gzip encoder may produce, without a compression crate.
pub fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let len = u16::try_from(data.len()).expect("a stored block holds at most 65,535 bytes");
    // Magic, deflate, no flags, no time, no extra flags, unknown OS.
    let mut out = vec![0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff];
    // BFINAL = 1, BTYPE = 00 (stored); the rest of the byte is padding.
    out.push(0x01);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// CRC-32 (IEEE 802.3, reflected, as gzip uses it), a bit at a time.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
