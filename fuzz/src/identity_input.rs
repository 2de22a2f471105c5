//! The structured input of the `error_identity` target: a status, headers and a body.
//!
//! **Byte layout.** Strings are a big-endian `u16` length then that many bytes (read as UTF-8,
//! invalid sequences replaced); a choice is one byte taken modulo the number of options.
//!
//! ```text
//! status: u16 (big-endian)
//! header count: choice of 0..=4
//! each header: name choice of HEADER_NAMES (the last option: a string follows), value string
//! body mode: choice of 2
//!   0: the rest of the input is the body, as bytes
//!   1: field count: choice of 0..=5, then each field:
//!      key choice of BODY_KEYS (the last option: a string follows),
//!      value kind choice of 7: string, number, null, bool, nested {"__type": string},
//!      array of one string, huge number (string follows for string kinds)
//!      and the body is the JSON object text written from them, duplicate keys kept
//! ```

use arbitrary::{Result, Unstructured};

pub const HEADER_NAMES: &[&str] = &[
    "X-Amzn-Errortype",
    "x-amzn-errortype",
    "x-amzn-ErrorType",
    "X-AMZN-ERRORTYPE",
    "Content-Type",
    "x-amzn-ErrorMessage",
    "x-amzn-RequestId",
    // a custom name follows
    "",
];

pub const BODY_KEYS: &[&str] = &[
    "__type",
    "code",
    "message",
    "Message",
    "errorMessage",
    "ErrorDetails",
    "Code",
    "__Type",
    // a custom key follows
    "",
];

/// What the input decodes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityInput {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

fn choice(u: &mut Unstructured<'_>, n: usize) -> Result<usize> {
    Ok(usize::from(u.bytes(1)?[0]) % n)
}

fn string(u: &mut Unstructured<'_>) -> Result<String> {
    let len = u.bytes(2)?;
    let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
    let len = len.min(u.len());
    Ok(String::from_utf8_lossy(u.bytes(len)?).into_owned())
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

impl IdentityInput {
    pub fn decode(data: &[u8]) -> Result<IdentityInput> {
        let mut u = Unstructured::new(data);
        let s = u.bytes(2)?;
        let status = u16::from_be_bytes([s[0], s[1]]);
        let n = choice(&mut u, 5)?;
        let mut headers = Vec::with_capacity(n);
        for _ in 0..n {
            let i = choice(&mut u, HEADER_NAMES.len())?;
            let name = if i + 1 == HEADER_NAMES.len() {
                string(&mut u)?
            } else {
                HEADER_NAMES[i].to_owned()
            };
            headers.push((name, string(&mut u)?));
        }
        let body = if choice(&mut u, 2)? == 0 {
            u.take_rest().to_vec()
        } else {
            let n = choice(&mut u, 6)?;
            let mut fields = Vec::with_capacity(n);
            for _ in 0..n {
                let i = choice(&mut u, BODY_KEYS.len())?;
                let key = if i + 1 == BODY_KEYS.len() {
                    string(&mut u)?
                } else {
                    BODY_KEYS[i].to_owned()
                };
                let value = match choice(&mut u, 7)? {
                    0 => json_str(&string(&mut u)?),
                    1 => "42".to_owned(),
                    2 => "null".to_owned(),
                    3 => "true".to_owned(),
                    4 => format!("{{\"__type\":{}}}", json_str(&string(&mut u)?)),
                    5 => format!("[{}]", json_str(&string(&mut u)?)),
                    _ => "1e999999".to_owned(),
                };
                fields.push(format!("{}:{value}", json_str(&key)));
            }
            format!("{{{}}}", fields.join(",")).into_bytes()
        };
        Ok(IdentityInput {
            status,
            headers,
            body,
        })
    }

    /// Bytes that [`IdentityInput::decode`] reads back as this input, with the body raw (mode 0).
    /// Header names outside [`HEADER_NAMES`] and values are written as strings, cut at 65,535
    /// bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.status.to_be_bytes().to_vec();
        let n = self.headers.len().min(4);
        out.push(n as u8);
        let put = |out: &mut Vec<u8>, s: &str| {
            let b = &s.as_bytes()[..s.len().min(u16::MAX as usize)];
            out.extend_from_slice(&(b.len() as u16).to_be_bytes());
            out.extend_from_slice(b);
        };
        for (k, v) in &self.headers[..n] {
            match HEADER_NAMES[..HEADER_NAMES.len() - 1]
                .iter()
                .position(|h| h == k)
            {
                Some(i) => out.push(i as u8),
                None => {
                    out.push((HEADER_NAMES.len() - 1) as u8);
                    put(&mut out, k);
                }
            }
            put(&mut out, v);
        }
        out.push(0);
        out.extend_from_slice(&self.body);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_reads_back() {
        let i = IdentityInput {
            status: 400,
            headers: vec![
                ("x-amzn-ErrorType".into(), "ExpiredCodeException:".into()),
                ("X-Custom".into(), "é".into()),
            ],
            body: br#"{"__type":"ExpiredCodeException","message":"m"}"#.to_vec(),
        };
        assert_eq!(IdentityInput::decode(&i.encode()).unwrap(), i);
    }

    #[test]
    fn structured_bodies_keep_duplicate_keys() {
        // status 400, no headers, mode 1, two fields: __type string "A", __type string "B".
        let data = [1, 144, 0, 1, 2, 0, 0, 0, 1, b'A', 0, 0, 0, 1, b'B'];
        let i = IdentityInput::decode(&data).unwrap();
        assert_eq!(i.body, br#"{"__type":"A","__type":"B"}"#);
    }
}
