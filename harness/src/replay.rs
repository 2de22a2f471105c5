//! The replay stage, the only async one: sends each case's exact bytes to a target and captures
//! the [`Exchange`]. One keep-alive client, bounded concurrency, a timeout per request, SigV4 for
//! the operations that need it. Placeholders are filled here, from the provisioned fixture.

use std::borrow::Borrow;
use std::time::{Duration, Instant, SystemTime};

use futures::stream::{self, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
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
    #[error("{0}")]
    Other(String),
}

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
    /// The endpoint is not a plain http:// URL: a usage error.
    #[error("{0}")]
    Url(String),
}

/// Credentials and region for SigV4; any static test credentials do for emulators.
#[derive(Debug, Clone)]
pub struct Signing {
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
    pub session_token: Option<String>,
}

impl Signing {
    /// The credentials the embedded target and emulators accept (they check the form only).
    pub fn test_credentials(region: &str) -> Signing {
        Signing {
            region: region.to_owned(),
            access_key: "AKIDCOGNATETEST00000".into(),
            secret_key: "cognate/test/secret/key/not/a/real/one00".into(),
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

/// Sends requests to one endpoint.
#[derive(Debug, Clone)]
pub struct Client {
    http: Http,
    url: String,
    uri: http::Uri,
    config: Config,
}

/// hyper's pooled HTTP/1.1 client: the harness needs keep-alive connections to one endpoint and
/// nothing of a full-featured client (redirects, cookies, proxies), whose per-request work
/// (URL parsing, header conversion) cost as much as checking a verdict.
type Http = hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>;

/// Turns a placeholder name (`client.legacy`, `secret_hash:client.secret:user.email`) into its
/// value; provided by the target's fixture.
pub trait Fill: Sync {
    fn fill(&self, name: &str) -> Option<String>;
}

/// No fixture: for requests without placeholders (provisioning itself).
pub struct NoFill;

impl Fill for NoFill {
    fn fill(&self, _: &str) -> Option<String> {
        None
    }
}

const OPEN: &str = "{{cognate:";
const CLOSE: &str = "}}";

/// The body with every `{{cognate:NAME}}` replaced; an unknown name is left as it is, so the
/// request still goes out and the verdict shows what happened.
pub fn fill_placeholders(body: &str, fill: &dyn Fill) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        match after.find(CLOSE) {
            Some(end) => {
                let name = &after[..end];
                match fill.fill(name) {
                    Some(v) => out.push_str(&json_escape(&v)),
                    None => out.push_str(&rest[start..start + OPEN.len() + end + CLOSE.len()]),
                }
                rest = &after[end + CLOSE.len()..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// A value placed inside a JSON string literal.
fn json_escape(v: &str) -> String {
    let quoted = serde_json::to_string(v).expect("a string always serialises");
    quoted[1..quoted.len() - 1].to_owned()
}

impl Client {
    pub fn new(url: &str, config: Config) -> Result<Client, ReplayError> {
        let url = url.trim_end_matches('/').to_owned() + "/";
        let uri: http::Uri = url
            .parse()
            .map_err(|e| ReplayError::Url(format!("{url}: {e}")))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(ReplayError::Url(format!(
                    "{url}: https:// targets need TLS, which this build does not include; \
                     use an http:// endpoint"
                )))
            }
            _ => return Err(ReplayError::Url(format!("{url}: not an http:// URL"))),
        }
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(config.timeout));
        // No proxy is ever consulted: loopback traffic stays on loopback.
        let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(config.concurrency.max(1))
            .build(connector);
        Ok(Client {
            http,
            url,
            uri,
            config,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// POSTs an empty body to a path of the endpoint (a target's own admin API, not
    /// cognito-idp) and returns the status.
    pub async fn post_empty(&self, path: &str) -> Result<u16, String> {
        let url = format!("{}{}", self.url, path.trim_start_matches('/'));
        let request = http::Request::post(url)
            .body(Full::new(Bytes::new()))
            .map_err(|e| e.to_string())?;
        match tokio::time::timeout(self.config.timeout, self.http.request(request)).await {
            Ok(Ok(resp)) => Ok(resp.status().as_u16()),
            Ok(Err(e)) => Err(root_cause(&e)),
            Err(_) => {
                Err(TransportError::Timeout(self.config.timeout.as_millis() as u64).to_string())
            }
        }
    }

    /// Sends one request, body and headers exactly as given (after placeholders are filled).
    pub async fn send(&self, case_id: &str, request: &Request, fill: &dyn Fill) -> Exchange {
        let (sent, signed) = self.wire(request, fill);
        if let Err(e) = signed {
            return Exchange {
                case_id: case_id.to_owned(),
                sent,
                result: Err(TransportError::Other(format!("signing failed: {e}"))),
                elapsed: Duration::ZERO,
            };
        }
        let started = Instant::now();
        let result = match self.request(&sent) {
            Ok(request) => {
                match tokio::time::timeout(self.config.timeout, self.exchange(request)).await {
                    Ok(result) => result,
                    Err(_) => Err(TransportError::Timeout(
                        self.config.timeout.as_millis() as u64
                    )),
                }
            }
            Err(e) => Err(e),
        };
        Exchange {
            case_id: case_id.to_owned(),
            sent,
            result,
            elapsed: started.elapsed(),
        }
    }

    /// The HTTP request of `sent`; a header the http crate refuses (a generated value no client
    /// could send) is a transport error of that case, not of the run.
    fn request(&self, sent: &Sent) -> Result<http::Request<Full<Bytes>>, TransportError> {
        let mut rb = http::Request::post(self.uri.clone());
        for (k, v) in &sent.headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        rb.body(Full::new(Bytes::copy_from_slice(&sent.body)))
            .map_err(|e| TransportError::Other(format!("cannot build the request: {e}")))
    }

    /// Sends one request and reads the whole answer.
    async fn exchange(
        &self,
        request: http::Request<Full<Bytes>>,
    ) -> Result<Response, TransportError> {
        let resp = self.http.request(request).await.map_err(|e| {
            if e.is_connect() {
                TransportError::Connect(root_cause(&e))
            } else {
                TransportError::Other(root_cause(&e))
            }
        })?;
        let (parts, body) = resp.into_parts();
        let headers = header_pairs(&parts.headers);
        let body = body
            .collect()
            .await
            .map_err(|e| TransportError::Other(root_cause(&e)))?
            .to_bytes();
        Ok(Response {
            status: parts.status.as_u16(),
            headers,
            body: body.to_vec(),
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
            match self.sign(&headers, &body) {
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
    ) -> Result<Vec<(String, String)>, String> {
        use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
        use aws_sigv4::sign::v4;
        let s = &self.config.signing;
        let creds = aws_credential_types::Credentials::new(
            &s.access_key,
            &s.secret_key,
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
    /// up, so a lazily generated stream is never held whole.
    pub async fn run<C: Borrow<Case>>(
        &self,
        cases: impl IntoIterator<Item = C>,
        fill: &dyn Fill,
        mut each: impl FnMut(&Case, Exchange),
    ) {
        let mut stream = stream::iter(cases)
            .map(|c| async move {
                let exchange = {
                    let case = c.borrow();
                    self.send(&case.id, &case.request, fill).await
                };
                (c, exchange)
            })
            .buffer_unordered(self.config.concurrency.max(1));
        while let Some((case, exchange)) = stream.next().await {
            each(case.borrow(), exchange);
        }
    }
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
    fn only_plain_http_endpoints_are_accepted() {
        let config = Config {
            concurrency: 1,
            timeout: Duration::from_secs(1),
            signing: Signing::test_credentials("us-east-1"),
        };
        let c = Client::new("http://127.0.0.1:9229", config.clone()).expect("http is accepted");
        assert_eq!(c.url(), "http://127.0.0.1:9229/");
        let e = Client::new(
            "https://cognito-idp.us-east-1.amazonaws.com",
            config.clone(),
        )
        .expect_err("no TLS in this build");
        assert!(e.to_string().contains("need TLS"), "{e}");
        let e = Client::new("ftp://127.0.0.1/", config).expect_err("not http");
        assert!(e.to_string().contains("not an http:// URL"), "{e}");
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
