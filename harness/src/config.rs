//! `cognate.toml`: named target profiles (`[targets.moto]`, `[targets.cognito-local]`, ...), so a
//! run can say `--target moto`. A profile holds the URL and everything else a target needs that
//! a URL does not say: signing region and credentials, how to reset it, how it says "not
//! implemented", how the harness learns a confirmation code, and its version for snapshots.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use thiserror::Error;

/// The file read when `--config` is not given, if it exists in the working directory.
pub const DEFAULT_FILE: &str = "cognate.toml";

#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file cannot be read or is not TOML: the data files' error.
    #[error(transparent)]
    File(#[from] crate::files::DataError),
    #[error("{path}: [targets.reference] is the embedded target and cannot be redefined")]
    Reserved { path: String },
    #[error(
        "no target profile {name:?}{known}; a target is `reference`, a URL, or a profile of {file}"
    )]
    UnknownProfile {
        name: String,
        known: String,
        file: String,
    },
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub targets: BTreeMap<String, Profile>,
}

/// How the harness learns the confirmation code a target sent (the stateful flows need it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum CodeSource {
    /// moto: the `x-moto-forgot-password-confirmation-code` header of ForgotPassword.
    MotoHeader,
    /// cognito-local: `Users.<username>.ConfirmationCode` in `<dir>/<poolId>.json`.
    CognitoLocalDb { dir: String },
    /// Any other target: a command given the pool id and username, printing the code.
    Command { command: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub url: String,
    #[serde(default = "default_region")]
    pub region: String,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    /// What the snapshots record as the target's version (`moto 5.2.5`).
    pub version: Option<String>,
    /// A path POSTed to before provisioning, to start from an empty target (`/moto-api/reset`).
    pub reset: Option<String>,
    /// Error identities by which the target says it does not implement an operation.
    #[serde(default)]
    pub not_implemented: Vec<String>,
    /// The operations the target implements, where it cannot say so itself (moto answers an
    /// operation it lacks with a 500 HTML page, the same as a crash): any other operation is
    /// one it lacks. Absent: only the probes decide.
    pub implements: Option<Vec<String>>,
    pub code_source: Option<CodeSource>,
    /// The `iss` the target's tokens carry, where it documents one other than AWS's
    /// (`https://cognito-idp.{region}.amazonaws.com/{pool}`); `{region}` and `{pool}` are filled
    /// in per pool.
    pub token_issuer: Option<String>,
    /// Requests in flight at once unless the command line says (`--concurrency`). One keeps a
    /// stateful target's answers in case order: an emulator that accepts invalid requests
    /// changes the shared pool, and which of two racing cases sees the change would move from
    /// run to run (and the snapshots with it).
    pub concurrency: Option<usize>,
    /// The longest answer read unless the command line says (`--max-response-bytes`), for a
    /// target known to answer with more than the default megabyte.
    pub max_response_bytes: Option<u64>,
    /// Whether the target is outside loopback by design (a live service): then `--allow-live`
    /// is still required on the command line; the profile only documents it.
    #[serde(default)]
    pub live: bool,
}

fn default_region() -> String {
    "us-east-1".into()
}

impl Config {
    pub fn parse(path: &str, text: &str) -> Result<Config, ConfigError> {
        let c: Config = toml::from_str(text).map_err(|source| crate::files::DataError::Toml {
            path: path.to_owned(),
            source,
        })?;
        if c.targets.contains_key("reference") {
            return Err(ConfigError::Reserved {
                path: path.to_owned(),
            });
        }
        Ok(c)
    }

    /// `path` if given (it must exist), else `cognate.toml` in the working directory if there is
    /// one, else no profiles.
    pub fn load(path: Option<&Path>) -> Result<(Config, String), ConfigError> {
        let (p, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (Path::new(DEFAULT_FILE).to_path_buf(), false),
        };
        let shown = p.display().to_string();
        match std::fs::read_to_string(&p) {
            Ok(text) => Ok((Config::parse(&shown, &text)?, shown)),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                Ok((Config::default(), shown))
            }
            Err(source) => Err(crate::files::DataError::Io {
                path: shown,
                source,
            }
            .into()),
        }
    }

    pub fn profile(&self, name: &str, file: &str) -> Result<&Profile, ConfigError> {
        self.targets
            .get(name)
            .ok_or_else(|| ConfigError::UnknownProfile {
                name: name.to_owned(),
                known: if self.targets.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (known: {})",
                        self.targets.keys().cloned().collect::<Vec<_>>().join(", ")
                    )
                },
                file: file.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_profiles_parse() {
        let text = include_str!("../../cognate.toml");
        let c = Config::parse("cognate.toml", text).unwrap();
        let moto = c.profile("moto", "cognate.toml").unwrap();
        assert!(moto.url.starts_with("http://127.0.0.1:"));
        assert_eq!(moto.code_source, Some(CodeSource::MotoHeader));
        let cl = c.profile("cognito-local", "cognate.toml").unwrap();
        assert!(matches!(
            cl.code_source,
            Some(CodeSource::CognitoLocalDb { .. })
        ));
        assert!(cl.not_implemented.iter().any(|n| n.contains("Unsupported")));
        // The emulators keep state: one request at a time keeps their snapshots stable.
        assert_eq!((moto.concurrency, cl.concurrency), (Some(1), Some(1)));
    }

    #[test]
    fn errors_name_the_problem() {
        let e = Config::parse(
            "x.toml",
            "[targets.reference]\nurl = \"http://127.0.0.1:1\"",
        )
        .unwrap_err();
        assert!(e.to_string().contains("reference"), "{e}");
        let e = Config::parse("x.toml", "[targets.a]\nurl = 1").unwrap_err();
        assert!(e.to_string().starts_with("x.toml"), "{e}");
        let c = Config::parse("x.toml", "[targets.a]\nurl = \"http://127.0.0.1:1\"").unwrap();
        let e = c.profile("b", "x.toml").unwrap_err().to_string();
        assert!(e.contains("known: a"), "{e}");
    }
}
