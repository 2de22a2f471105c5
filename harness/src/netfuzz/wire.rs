//! Raw HTTP/1.1 over a TCP connection: what an HTTP client library cannot send (a Content-Length
//! that lies, a broken chunk, a control character in a header) goes out byte for byte here, and
//! the answer is read back with a deadline.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The largest response head accepted: past this, common clients give up (curl at 100 KB,
/// many proxies at 8 to 64 KiB).
const MAX_HEAD: usize = 64 * 1024;
/// The largest response body read; more is reported as a malformed answer.
const MAX_BODY: usize = 32 * 1024 * 1024;

/// One HTTP response as it came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names lower-cased, in received order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What happened to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Response(HttpResponse),
    /// No complete response within the timeout (`received` bytes had come).
    Timeout {
        received: usize,
    },
    /// The target closed the connection before a complete response head.
    Closed {
        received: usize,
    },
    /// The connection was reset.
    Reset(String),
    /// Bytes came back that are not an HTTP/1.1 response.
    Malformed(String),
    /// No connection could be made.
    Connect(String),
}

impl Outcome {
    /// One line for a person.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Response(r) => format!("HTTP {}", r.status),
            Outcome::Timeout { received } => {
                format!("no complete response within the timeout ({received} bytes received)")
            }
            Outcome::Closed { received } => {
                format!("connection closed before a response ({received} bytes received)")
            }
            Outcome::Reset(e) => format!("connection reset: {e}"),
            Outcome::Malformed(e) => format!("malformed response: {e}"),
            Outcome::Connect(e) => format!("cannot connect: {e}"),
        }
    }
}

/// Sends `request` on a new connection to `addr` and reads one response. The request is written
/// while the response is read, so a target that answers early (a 413 before the whole body) is
/// heard. With `half_close`, the write side is shut once the request is out, so a target waiting
/// for bytes that will never come sees the end of input. `head` says the request was a HEAD (its
/// response has no body).
pub async fn exchange(
    addr: SocketAddr,
    request: &[u8],
    half_close: bool,
    head: bool,
    timeout: Duration,
) -> (Outcome, Duration) {
    let started = Instant::now();
    let received = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = received.clone();
    let work = async move {
        let stream = match TcpStream::connect(addr).await {
            Ok(s) => s,
            Err(e) => return Outcome::Connect(e.to_string()),
        };
        let _ = stream.set_nodelay(true);
        let (mut rd, mut wr) = stream.into_split();
        let bytes = request.to_vec();
        // The write half lives in the task until the read is done: dropping it would shut the
        // write side.
        let writer = tokio::spawn(async move {
            let r = wr.write_all(&bytes).await;
            if half_close {
                let _ = wr.shutdown().await;
            }
            (wr, r)
        });
        let outcome = read_response(&mut rd, head, &counter).await;
        writer.abort();
        outcome
    };
    let outcome = match tokio::time::timeout(timeout, work).await {
        Ok(o) => o,
        Err(_) => Outcome::Timeout {
            received: received.load(std::sync::atomic::Ordering::Relaxed),
        },
    };
    (outcome, started.elapsed())
}

async fn fill(
    rd: &mut tokio::net::tcp::OwnedReadHalf,
    buf: &mut Vec<u8>,
    counter: &std::sync::atomic::AtomicUsize,
) -> Result<usize, Outcome> {
    let mut chunk = [0u8; 16 * 1024];
    match rd.read(&mut chunk).await {
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            counter.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            Ok(n)
        }
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
            Err(Outcome::Reset(e.to_string()))
        }
        Err(e) => Err(Outcome::Reset(e.to_string())),
    }
}

async fn read_response(
    rd: &mut tokio::net::tcp::OwnedReadHalf,
    head_request: bool,
    counter: &std::sync::atomic::AtomicUsize,
) -> Outcome {
    let mut buf = Vec::new();
    // The head, skipping interim 1xx responses.
    let (status, headers, mut rest) = loop {
        let mut hs = [httparse::EMPTY_HEADER; 128];
        let mut resp = httparse::Response::new(&mut hs);
        match resp.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let status = resp.code.unwrap_or(0);
                let headers: Vec<(String, String)> = resp
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_ascii_lowercase(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect();
                if (100..200).contains(&status) && status != 101 {
                    buf.drain(..len);
                    continue;
                }
                break (status, headers, buf.split_off(len));
            }
            Ok(httparse::Status::Partial) => {}
            Err(e) => return Outcome::Malformed(format!("{e} in the response head")),
        }
        if buf.len() > MAX_HEAD {
            return Outcome::Malformed(
                "a response head over 64 KiB (most HTTP clients refuse it)".into(),
            );
        }
        match fill(rd, &mut buf, counter).await {
            Ok(0) => {
                return Outcome::Closed {
                    received: buf.len(),
                }
            }
            Ok(_) => {}
            Err(o) => return o,
        }
    };
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let chunked =
        header("transfer-encoding").is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    let body = if head_request || status == 204 || status == 304 {
        Vec::new()
    } else if chunked {
        match read_chunked(rd, &mut rest, counter).await {
            Ok(b) => b,
            Err(o) => return o,
        }
    } else if let Some(cl) = header("content-length") {
        let Ok(n) = cl.trim().parse::<usize>() else {
            return Outcome::Malformed(format!("Content-Length {cl:?}"));
        };
        if n > MAX_BODY {
            return Outcome::Malformed(format!("a response body of {n} bytes"));
        }
        while rest.len() < n {
            match fill(rd, &mut rest, counter).await {
                Ok(0) => {
                    return Outcome::Malformed(format!(
                        "the body ended after {} of {n} bytes",
                        rest.len()
                    ))
                }
                Ok(_) => {}
                Err(o) => return o,
            }
        }
        rest.truncate(n);
        rest
    } else {
        // Until the connection closes.
        loop {
            match fill(rd, &mut rest, counter).await {
                Ok(0) => break,
                Ok(_) if rest.len() > MAX_BODY => {
                    return Outcome::Malformed("a response body over 32 MiB".into())
                }
                Ok(_) => {}
                Err(o) => return o,
            }
        }
        rest
    };
    Outcome::Response(HttpResponse {
        status,
        headers,
        body,
    })
}

/// Decodes a chunked body, reading more as needed.
async fn read_chunked(
    rd: &mut tokio::net::tcp::OwnedReadHalf,
    buf: &mut Vec<u8>,
    counter: &std::sync::atomic::AtomicUsize,
) -> Result<Vec<u8>, Outcome> {
    let mut body = Vec::new();
    let mut pos = 0;
    loop {
        // The size line.
        let line_end = loop {
            if let Some(i) = buf[pos..].windows(2).position(|w| w == b"\r\n") {
                break pos + i;
            }
            if fill(rd, buf, counter).await? == 0 {
                return Err(Outcome::Malformed("the chunked body ended early".into()));
            }
        };
        let line = String::from_utf8_lossy(&buf[pos..line_end]).into_owned();
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| Outcome::Malformed(format!("chunk size {line:?}")))?;
        pos = line_end + 2;
        if size == 0 {
            // Trailers end with an empty line; none are expected, and a close is fine too.
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(Outcome::Malformed("a response body over 32 MiB".into()));
        }
        while buf.len() < pos + size + 2 {
            if fill(rd, buf, counter).await? == 0 {
                return Err(Outcome::Malformed("the chunked body ended early".into()));
            }
        }
        body.extend_from_slice(&buf[pos..pos + size]);
        pos += size + 2;
    }
}
