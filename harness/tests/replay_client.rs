//! The replay client against a raw HTTP/1.1 server that records what reached it: bytes on the
//! wire, connections kept and replaced, timeouts and refused connections.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cognate::generate::{self, Case, Contract, Options};
use cognate::model::Catalogue;
use cognate::replay::{Client, Config, Exchange, NoFill, Signing, TransportError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Answers every request and keeps the connection.
    KeepAlive,
    /// Answers with `Connection: close` and closes.
    CloseEach,
    /// Answers as if keeping the connection, then closes it (an idle timeout, early).
    CloseSilently,
    /// Reads requests and never answers.
    Silent,
}

#[derive(Default)]
struct Seen {
    connections: AtomicUsize,
    requests: Mutex<Vec<Vec<u8>>>,
}

async fn server(mode: Mode) -> (String, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Seen::default());
    let s = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            s.connections.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(stream, mode, s.clone()));
        }
    });
    (url, seen)
}

async fn serve(mut stream: TcpStream, mode: Mode, seen: Arc<Seen>) {
    let mut buf = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buf).await else {
            return;
        };
        seen.requests.lock().unwrap().push(request);
        match mode {
            Mode::Silent => {}
            Mode::KeepAlive => {
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                    .await;
            }
            Mode::CloseSilently => {
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                    .await;
                let _ = stream.shutdown().await;
                return;
            }
            Mode::CloseEach => {
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}",
                    )
                    .await;
                let _ = stream.shutdown().await;
                return;
            }
        }
    }
}

/// One whole request (head and `content-length` body), or `None` at the end of the stream.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(head_end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().expect("a numeric content-length"));
            let total = head_end + 4 + len;
            if buf.len() >= total {
                return Some(buf.drain(..total).collect());
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn client(url: &str, concurrency: usize, timeout: Duration) -> Client {
    Client::new(
        url,
        Config {
            concurrency,
            timeout,
            signing: Signing::test_credentials("us-east-1"),
        },
    )
    .expect("an http:// URL")
}

fn cases(n: usize) -> Vec<Case> {
    let cat = Catalogue::embedded();
    let contract = Contract::embedded(cat).expect("the embedded contract");
    let options = Options { seed: 7, extra: n };
    let mut cases = generate::cases(cat, &contract, "ForgotPassword", options).expect("cases");
    cases.truncate(n);
    cases
}

async fn run_all(client: &Client, cases: &[Case]) -> Vec<Exchange> {
    let mut got = Vec::new();
    client
        .run(cases, &NoFill, |_, exchange| got.push(exchange))
        .await;
    got
}

#[tokio::test(flavor = "current_thread")]
async fn a_run_keeps_one_connection_per_slot() {
    let (url, seen) = server(Mode::KeepAlive).await;
    let c = client(&url, 4, Duration::from_secs(10));
    let cases = cases(60);
    let got = run_all(&c, &cases).await;
    assert_eq!(got.len(), 60);
    assert!(got
        .iter()
        .all(|e| e.result.as_ref().map(|r| r.status) == Ok(200)));
    let connections = seen.connections.load(Ordering::SeqCst);
    assert!((1..=4).contains(&connections), "{connections} connections");
    // A later send reuses one of the run's connections.
    let one = c.send(&cases[0].id, &cases[0].request, &NoFill).await;
    assert_eq!(one.result.map(|r| r.status), Ok(200));
    assert_eq!(seen.connections.load(Ordering::SeqCst), connections);
}

#[tokio::test(flavor = "current_thread")]
async fn the_request_goes_out_as_built_with_the_host_last() {
    let (url, seen) = server(Mode::KeepAlive).await;
    let c = client(&(url.clone() + "/prefix"), 1, Duration::from_secs(10));
    let case = cases(1).remove(0);
    let ex = c.send(&case.id, &case.request, &NoFill).await;
    assert_eq!(ex.result.map(|r| r.status), Ok(200));
    assert_eq!(c.post_empty("/reset").await, Ok(200));

    let requests = seen.requests.lock().unwrap().clone();
    let host = url.trim_start_matches("http://");
    let body = case.request.body.as_bytes();
    let mut expected = format!(
        "POST /prefix/ HTTP/1.1\r\nx-amz-target: {}\r\ncontent-type: {}\r\nhost: {host}\r\n\
         content-length: {}\r\n\r\n",
        case.request.target.as_deref().expect("a target"),
        case.request
            .content_type
            .as_deref()
            .expect("a content type"),
        body.len()
    )
    .into_bytes();
    expected.extend_from_slice(body);
    assert_eq!(
        String::from_utf8_lossy(&requests[0]),
        String::from_utf8_lossy(&expected)
    );
    assert!(
        requests[1].starts_with(b"POST /prefix/reset HTTP/1.1\r\nhost: "),
        "{}",
        String::from_utf8_lossy(&requests[1])
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_connection_the_target_closes_is_replaced() {
    let (url, seen) = server(Mode::CloseEach).await;
    let c = client(&url, 2, Duration::from_secs(10));
    let got = run_all(&c, &cases(20)).await;
    assert_eq!(got.len(), 20);
    for e in &got {
        assert_eq!(
            e.result.as_ref().map(|r| r.status),
            Ok(200),
            "{:?}",
            e.result
        );
    }
    assert_eq!(seen.connections.load(Ordering::SeqCst), 20);
}

#[tokio::test(flavor = "current_thread")]
async fn a_kept_connection_the_target_closed_while_idle_is_replaced() {
    let (url, seen) = server(Mode::CloseSilently).await;
    let c = client(&url, 1, Duration::from_secs(10));
    let cases = cases(3);
    for case in &cases {
        let ex = c.send(&case.id, &case.request, &NoFill).await;
        assert_eq!(ex.result.map(|r| r.status), Ok(200));
        // The close has arrived before the connection is used again.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen.connections.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "current_thread")]
async fn an_unanswered_request_times_out_and_the_next_one_gets_a_new_connection() {
    let (url, seen) = server(Mode::Silent).await;
    let c = client(&url, 1, Duration::from_millis(200));
    let got = run_all(&c, &cases(2)).await;
    assert_eq!(got.len(), 2);
    for e in &got {
        assert_eq!(e.result, Err(TransportError::Timeout(200)));
    }
    // The first connection still owes an answer: it is never used again.
    assert_eq!(seen.connections.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn a_refused_connection_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let c = client(&url, 1, Duration::from_secs(5));
    let got = run_all(&c, &cases(1)).await;
    assert!(
        matches!(&got[0].result, Err(TransportError::Connect(_))),
        "{:?}",
        got[0].result
    );
    assert!(c.post_empty("reset").await.is_err());
}
