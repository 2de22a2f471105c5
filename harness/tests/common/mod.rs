//! Running the real `cognate` binary from the integration tests.
#![allow(dead_code)] // each test crate uses a part

use std::process::{Command, Output};

/// Runs `cognate` with `args` and waits for it.
pub fn cognate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cognate"))
        .args(args)
        .env("NO_COLOR", "1")
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
