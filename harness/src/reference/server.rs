//! The HTTP adapter: axum over [`Reference::handle`], nothing more. It reads the method, path,
//! every header and the raw body bytes, calls `handle`, and writes what comes back. HTTP/1.1
//! with keep-alive (hyper's default).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Router;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::{RawRequest, RawResponse, Reference, JSON_1_1};

/// The largest body the adapter reads.
pub const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// A running server: its address, and the means to stop it.
pub struct ServerHandle {
    pub addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    join: JoinHandle<std::io::Result<()>>,
    /// The server's own runtime, when it has one ([`spawn_on_own_thread`]).
    runtime: Option<tokio::runtime::Runtime>,
}

impl ServerHandle {
    /// Stops accepting connections, lets the open ones finish, and waits for the server task.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(());
        let _ = self.join.await;
        if let Some(rt) = self.runtime {
            // Dropping a runtime may block, which an async context forbids.
            rt.shutdown_background();
        }
    }
}

/// Like [`spawn`], but on a runtime of its own with one worker thread, so that a caller on a
/// single-threaded runtime (the `run` command's) keeps its thread to itself and the server gets
/// the other core.
pub fn spawn_on_own_thread(
    reference: Arc<Reference>,
    addr: SocketAddr,
) -> std::io::Result<ServerHandle> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("cognate-reference")
        .enable_all()
        .build()?;
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    // Entered, not blocked on: the caller may itself be inside a runtime.
    let mut handle = {
        let _entered = rt.enter();
        serve_on(tokio::net::TcpListener::from_std(listener)?, reference)?
    };
    handle.runtime = Some(rt);
    Ok(handle)
}

/// Serves `reference` on `addr` (use `127.0.0.1:0` for an ephemeral port).
pub async fn spawn(reference: Arc<Reference>, addr: SocketAddr) -> std::io::Result<ServerHandle> {
    serve_on(tokio::net::TcpListener::bind(addr).await?, reference)
}

/// Serves `reference` over TLS on `addr` (`cognate serve --tls-cert --tls-key`).
pub async fn spawn_tls(
    reference: Arc<Reference>,
    addr: SocketAddr,
    tls: Arc<rustls::ServerConfig>,
) -> std::io::Result<ServerHandle> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let app = Router::new().fallback(serve).with_state(reference);
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let (tx, mut rx) = oneshot::channel::<()>();
    // axum::serve takes plain TCP only: each connection is accepted, wrapped in TLS and handed to
    // hyper here, with the same router as a service.
    let join = tokio::spawn(async move {
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    // A failed accept (too many open files) ends no other connection.
                    Err(_) => continue,
                },
                _ = &mut rx => return Ok(()),
            };
            let acceptor = acceptor.clone();
            let service = hyper_util::service::TowerToHyperService::new(app.clone());
            tokio::spawn(async move {
                // A client that fails the handshake (an untrusted certificate) just goes away.
                let Ok(stream) = acceptor.accept(stream).await else {
                    return;
                };
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(ServerHandle {
        addr,
        shutdown: tx,
        join,
        runtime: None,
    })
}

/// Serves on a bound listener, as a task of the current runtime.
fn serve_on(
    listener: tokio::net::TcpListener,
    reference: Arc<Reference>,
) -> std::io::Result<ServerHandle> {
    let addr = listener.local_addr()?;
    let app = Router::new().fallback(serve).with_state(reference);
    let (tx, rx) = oneshot::channel::<()>();
    let join = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
    });
    Ok(ServerHandle {
        addr,
        shutdown: tx,
        join,
        runtime: None,
    })
}

async fn serve(State(reference): State<Arc<Reference>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let headers = crate::replay::header_pairs(&parts.headers);
    let body = match to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b.to_vec(),
        Err(_) => return too_large(),
    };
    let raw = RawRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        headers,
        body,
    };
    write(reference.handle(&raw))
}

fn write(raw: RawResponse) -> Response {
    let mut res = Response::new(Body::from(raw.body));
    *res.status_mut() =
        StatusCode::from_u16(raw.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (k, v) in raw.headers {
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(&v),
        ) {
            res.headers_mut().append(k, v);
        }
    }
    res
}

/// A body over [`BODY_LIMIT`] (or one that could not be read) never reaches the target.
fn too_large() -> Response {
    write(RawResponse {
        status: 413,
        headers: vec![
            ("Content-Type".into(), JSON_1_1.into()),
            (
                "x-amzn-ErrorType".into(),
                "RequestEntityTooLargeException:".into(),
            ),
        ],
        body: br#"{"__type":"RequestEntityTooLargeException","message":"Request body too large"}"#
            .to_vec(),
    })
}
