//! Fuzz target `case_roundtrip`: generated cases and report records through serde and back.
//!
//! **Property.** A `Case`, a `Verdict` and a whole `ReportFile` serialise to JSON and parse back
//! to the same value, as text and through `serde_json::Value` (a ReportFile also as the
//! pretty-printed report.json `ReportFile::to_json` writes); so does any of them parsed from
//! arbitrary JSON text (parse, write, parse gives the value of the first parse). Nothing panics.
//!
//! **Input.** Byte 0 (modulo 7) picks the mode, the rest feeds it:
//! 0-2 the rest is JSON text to parse as a Case, a Verdict or a ReportFile (the seeds are real
//! ones written by the harness); 3-5 a Case, Verdict or ReportFile built field by field from the
//! input (`arbitrary`); 6 a case from the generator, with the operation, seed and case picked by
//! the input (`cognate_fuzz::roundtrip`).

#![no_main]

use arbitrary::Unstructured;
use cognate::check::Verdict;
use cognate::generate::Case;
use cognate::report::ReportFile;
use cognate_fuzz::roundtrip::{
    arbitrary_case, arbitrary_report, arbitrary_verdict, generated_case,
};
use libfuzzer_sys::fuzz_target;
use serde::{de::DeserializeOwned, Serialize};

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(v: &T) {
    let compact = serde_json::to_string(v).expect("serialises");
    let back: T = serde_json::from_str(&compact)
        .unwrap_or_else(|e| panic!("does not parse back: {e}\n{compact}"));
    assert_eq!(&back, v, "compact round trip\n{compact}");
    let value = serde_json::to_value(v).expect("serialises to a value");
    let back: T = serde_json::from_value(value).expect("parses from a value");
    assert_eq!(&back, v, "value round trip");
}

fn parsed<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(text: &[u8]) {
    if let Ok(v) = serde_json::from_slice::<T>(text) {
        round_trip(&v);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut u = Unstructured::new(rest);
    match mode % 7 {
        0 => parsed::<Case>(rest),
        1 => parsed::<Verdict>(rest),
        2 => {
            if let Ok(r) = serde_json::from_slice::<ReportFile>(rest) {
                round_trip(&r);
                let text = r.to_json().expect("report.json serialises");
                let back: ReportFile = serde_json::from_str(&text).expect("report.json parses");
                assert_eq!(back, r, "report.json round trip");
            }
        }
        3 => {
            if let Ok(c) = arbitrary_case(&mut u) {
                round_trip(&c);
            }
        }
        4 => {
            if let Ok(v) = arbitrary_verdict(&mut u) {
                round_trip(&v);
            }
        }
        5 => {
            if let Ok(r) = arbitrary_report(&mut u) {
                round_trip(&r);
                // report.json is written pretty-printed.
                let text = r.to_json().expect("report.json serialises");
                let back: ReportFile = serde_json::from_str(&text).expect("report.json parses");
                assert_eq!(back, r, "report.json round trip");
            }
        }
        _ => {
            if let Ok(c) = generated_case(&mut u) {
                round_trip(c);
            }
        }
    }
});
