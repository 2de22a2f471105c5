//! The replay stage, the only async one: sends each case's exact bytes to a target and captures
//! the [`Exchange`]. One keep-alive client, bounded concurrency, a timeout per request, SigV4 for
//! the operations that need it. Placeholders are filled here, from the provisioned fixture.

use std::borrow::Borrow;
use std::time::{Duration, Instant, SystemTime};

use futures::stream::{self, StreamExt};
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
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
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
    http: reqwest::Client,
    url: String,
    config: Config,
}

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
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .pool_max_idle_per_host(config.concurrency.max(1))
            // Loopback targets: no proxy from the environment may see the traffic.
            .no_proxy()
            .build()
            .map_err(|e| ReplayError::Client(e.to_string()))?;
        Ok(Client {
            http,
            url: url.trim_end_matches('/').to_owned() + "/",
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
        self.http
            .post(url)
            .send()
            .await
            .map(|r| r.status().as_u16())
            .map_err(|e| root_cause(&e))
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
        let mut rb = self.http.post(&self.url).body(sent.body.clone());
        for (k, v) in &sent.headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        let started = Instant::now();
        let result = match rb.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let rh: Vec<(String, String)> = resp
                    .headers()
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.as_str().to_ascii_lowercase(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect();
                match resp.bytes().await {
                    Ok(b) => Ok(Response {
                        status,
                        headers: rh,
                        body: b.to_vec(),
                    }),
                    Err(e) => Err(classify(&e, self.config.timeout)),
                }
            }
            Err(e) => Err(classify(&e, self.config.timeout)),
        };
        Exchange {
            case_id: case_id.to_owned(),
            sent,
            result,
            elapsed: started.elapsed(),
        }
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

fn classify(e: &reqwest::Error, timeout: Duration) -> TransportError {
    if e.is_timeout() {
        TransportError::Timeout(timeout.as_millis() as u64)
    } else if e.is_connect() {
        TransportError::Connect(root_cause(e))
    } else {
        TransportError::Other(root_cause(e))
    }
}

/// The innermost error's text: reqwest's own is only "error sending request".
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
    fn placeholders_are_filled_as_json_string_content() {
        let body =
            r#"{"Username":"{{cognate:user.email}}","X":"{{cognate:nope}}","Y":"{{cognate:"}"#;
        assert_eq!(
            fill_placeholders(body, &Map),
            r#"{"Username":"al\"ice","X":"{{cognate:nope}}","Y":"{{cognate:"}"#
        );
    }
}
