//! Fuzz target `error_identity`: the awsJson1_1 error decoder, differentially.
//!
//! **Property.** For any status, headers and body, `cognate::check::ErrorIdentity::read` agrees
//! with `cognate_fuzz::naive_identity`, a second, deliberately plain implementation written from
//! the protocol notes (`reference/protocol.md`): the same raw header, `code`, `__type` and
//! message; the same sanitised name (header, then `code`, then `__type`); a disagreement exactly
//! when header and body both name something and the names differ, naming both. `sanitize` agrees
//! with the naive sanitiser on every raw value, never returns a `:`, and returns a substring of
//! its input. Nothing panics.
//!
//! **Input.** Structure-aware: status, up to four headers (names chosen among the error-type
//! header's spellings and others), and a body that is either raw bytes or a JSON object built
//! from `__type`/`code`/message keys, nested `__type`s, non-string values and duplicate keys
//! (`cognate_fuzz::identity_input` documents the layout).

#![no_main]

use cognate::check::{sanitize, ErrorIdentity};
use cognate::replay::Response;
use cognate_fuzz::identity_input::IdentityInput;
use cognate_fuzz::naive_identity::{naive_read, naive_sanitize};
use libfuzzer_sys::fuzz_target;

fn check_sanitize(raw: &str) {
    let ours = sanitize(raw);
    assert_eq!(ours, naive_sanitize(raw), "sanitize({raw:?})");
    assert!(
        !ours.contains(':'),
        "sanitize({raw:?}) = {ours:?} keeps a ':'"
    );
    assert!(
        raw.contains(ours),
        "sanitize({raw:?}) = {ours:?} is not part of it"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = IdentityInput::decode(data) else {
        return;
    };
    let resp = Response {
        status: input.status,
        headers: input.headers.clone(),
        body: input.body.clone(),
    };
    let ours = ErrorIdentity::read(&resp);
    let naive = naive_read(&input.headers, &input.body);

    assert_eq!(ours.header, naive.header, "header");
    assert_eq!(ours.code, naive.code, "code");
    assert_eq!(ours.type_field, naive.type_field, "__type");
    assert_eq!(ours.message, naive.message, "message");
    assert_eq!(ours.name(), naive.name.as_deref(), "name");
    match (ours.disagreement(), &naive.conflict) {
        (None, None) => {}
        (Some(text), Some((h, b))) => {
            assert!(
                text.contains(h.as_str()) && text.contains(b.as_str()),
                "{text:?} should name {h:?} and {b:?}"
            );
        }
        (ours, naive) => panic!("disagreement: ours {ours:?}, naive {naive:?}"),
    }
    for raw in [&ours.header, &ours.code, &ours.type_field]
        .into_iter()
        .flatten()
    {
        check_sanitize(raw);
    }
    for (k, v) in &input.headers {
        check_sanitize(k);
        check_sanitize(v);
    }
});
