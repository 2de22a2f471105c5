//! Running the real `cognate` binary from the integration tests.
#![allow(dead_code)] // each test crate uses a part

use std::process::{Command, Output};

/// Runs `cognate` with `args` and waits for it.
pub fn cognate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cognate"))
        .args(args)
        .env("NO_COLOR", "1")
        // CI=true makes a missing snapshot baseline fail; a test that wants that sets it.
        .env_remove("CI")
        .output()
        .expect("the binary runs")
}

/// The exit code (a test fails if the process was killed instead).
pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed")
}

/// Both output streams, for an assertion message.
pub fn text(o: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Mounts on `server` the admin operations provisioning calls, each answering as a real target
/// would, with `client_secret` as every client's secret. Requests for anything else fall through
/// to mocks the test mounts afterwards.
pub async fn mount_provisioning(server: &wiremock::MockServer, client_secret: &str) {
    use serde_json::json;
    use wiremock::matchers::{header, method};
    use wiremock::{Mock, ResponseTemplate};

    let ok = |body: serde_json::Value| {
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/x-amz-json-1.1")
            .set_body_string(body.to_string())
    };
    let target = |op: &str| {
        header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
    };
    Mock::given(method("POST"))
        .and(target("CreateUserPool"))
        .respond_with(ok(json!({"UserPool": {"Id": "us-east-1_Mock"}})))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(target("CreateUserPoolClient"))
        .respond_with(ok(json!({"UserPoolClient": {
            "ClientId": "mockclient0000000000000000", "ClientSecret": client_secret}})))
        .mount(server)
        .await;
    for op in [
        "AdminCreateUser",
        "AdminSetUserPassword",
        "AdminUpdateUserAttributes",
        "AdminDisableUser",
        "DeleteUserPool",
    ] {
        Mock::given(method("POST"))
            .and(target(op))
            .respond_with(ok(json!({})))
            .mount(server)
            .await;
    }
}

/// `cognate serve --port 0` (plus `args`) as a child, stopped when dropped.
pub struct Served {
    child: std::process::Child,
    pub url: String,
}

impl Served {
    /// Starts `command` (a `cognate serve --port 0 ...` the caller built) and reads the URL it
    /// listens on from its first line on stderr.
    pub fn start(mut command: Command) -> Served {
        use std::io::BufRead as _;
        let mut child = command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("serve starts");
        let mut line = String::new();
        let mut stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
        stderr
            .read_line(&mut line)
            .expect("serve says where it listens");
        // Drained until the server ends, so that nothing it prints meets a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_owned();
        Served { child, url }
    }

    /// The plain reference: `cognate serve --port 0`.
    pub fn reference() -> Served {
        let mut c = Command::new(env!("CARGO_BIN_EXE_cognate"));
        c.args(["serve", "--port", "0"]).env("NO_COLOR", "1");
        Served::start(c)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
