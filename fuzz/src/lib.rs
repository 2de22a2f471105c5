//! Shared code of the cognate fuzz targets (`fuzz_targets/`): the structured inputs, the
//! independent second implementations the differential targets compare against, and the seed
//! corpus writer (`examples/make_corpus.rs`).

pub mod identity_input;
pub mod java_regex;
pub mod naive_identity;
pub mod patterns;
pub mod request;
pub mod roundtrip;
