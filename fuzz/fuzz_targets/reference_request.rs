//! Fuzz target `reference_request`: the embedded reference target's request pipeline.
//!
//! **Property.** For any request, `Reference::handle` never panics, never hangs (libFuzzer's
//! `-timeout`), and always answers a status of 200, 400 or 501, in the awsJson1_1 content type,
//! with a JSON object body that carries `__type` whenever the status is not 200. More precisely
//! (`cognate::reference::check_answer`): a 400 names, in `__type` and `x-amzn-ErrorType` alike,
//! one of the operation's documented errors or a framework exception
//! (UnknownOperationException, SerializationException, MissingAuthenticationTokenException); a
//! 501 is NotImplementedException; and a 200 body validates against the operation's output
//! schema.
//!
//! **Input.** Structure-aware (`arbitrary`): the method, `X-Amz-Target`, Content-Type,
//! Authorization and one extra header are chosen structurally, one byte each, and the rest of
//! the input is the body, with placeholders for the provisioned ids
//! (`cognate_fuzz::request` documents the layout).
//!
//! **Speed.** The target is provisioned once (a pool, three clients, two users, a pending code)
//! and every input runs against a `Reference::fork` of it: the same state every time, so an
//! input reproduces on its own, without paying for provisioning on every run.

#![no_main]

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use cognate::model::Catalogue;
use cognate::reference::check_answer;
use cognate_fuzz::request::{FuzzRequest, World};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(World::provision)
}

/// Output-schema validators, compiled once per operation.
fn output_valid(op: &str, schema: &Value, body: &Value) -> bool {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<jsonschema::Validator>>>> = OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let v = cache
        .entry(op.to_owned())
        .or_insert_with(|| jsonschema::validator_for(schema).ok());
    v.as_ref().is_some_and(|v| v.is_valid(body))
}

fuzz_target!(|input: FuzzRequest<'_>| {
    let catalogue = Catalogue::embedded();
    let world = world();
    let req = input.to_raw(world.fill(input.body));
    let reference = world.reference.fork();
    let res = reference.handle(&req);

    if let Err(e) = check_answer(catalogue, &req, &res) {
        panic!(
            "property broken: {e}\nrequest: {req:?}\nresponse: {} {}",
            res.status,
            String::from_utf8_lossy(&res.body)
        );
    }
    if res.status == 200 {
        let target = req.header("X-Amz-Target").unwrap_or_default().trim();
        let op = catalogue
            .by_target(target)
            .expect("check_answer allows 200 only for a known operation");
        let out = res.json();
        assert!(
            output_valid(&op.name, &op.output_schema, &out),
            "{} answered 200 with a body outside its output schema: {out}",
            op.name
        );
    }
});
