//! Fuzz target `pattern_dialect`: the model's Java patterns, translated, against an independent
//! reading of the Java semantics.
//!
//! **Property.** For every model pattern and any string, `cognate::dialect::Pattern::is_match`
//! (the translation, run by `regex` or `fancy-regex`) and `cognate_fuzz::java_regex::JavaRegex`
//! (a backtracking matcher over the Java syntax itself, with Java's ASCII `\w \d \s`, Java's `.`
//! and `$`, Unicode general categories from `unicode-general-category`) give the same whole-value
//! verdict, on the value (its first 128 characters) and, for values up to 64 characters, on its near misses (each of
//! `values::NEAR_MISSES` put at the start, the middle and the end). And the harness's generator classifies right: a value `values::string_of_len` makes
//! for the pattern has the asked length and matches under both readings; every near miss
//! `values::near_miss` makes from it matches under neither.
//!
//! **Input.** Byte 0 picks the mode (text or generated), byte 1 the pattern; then the text, or a
//! seed (taken modulo 2, so that draws can be kept), a length and a character mode for the
//! generator (`cognate_fuzz::patterns` documents the layout).

#![no_main]

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use cognate::generate::values::{self, Chars, Position};
use cognate_fuzz::patterns::{model_patterns, PatternInput};
use libfuzzer_sys::fuzz_target;

/// The longest value checked, in characters; longer text is cut. Every model pattern's fixed
/// structure is shorter (the longest, a DNS label `{0,61}` between two characters, is 63; the
/// UUID 36), and beyond it a value only repeats one class, which both matchers handle in a
/// loop: longer values add time, not behaviour. The independent matcher's visited set grows
/// with instructions × length, so a 4 KB input cost a hundred times a short one.
const MAX_CHARS: usize = 128;

/// Seeds the generator is asked for, per pattern, length and character mode. A structured
/// pattern's value costs up to a millisecond to draw (several under ASan: the generator builds a
/// regex strategy and draws until one has the asked length), so draws are kept. With 8 seeds the
/// cache had 33,000 entries and never warmed up in a short run; 2 seeds still give two values
/// of every length and character mode, and the text mode feeds any value.
const SEEDS: u64 = 2;

fn generated(pattern: usize, seed: u64, len: usize, chars: usize) -> Option<String> {
    type Cache = HashMap<(usize, u64, usize, usize), Option<String>>;
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    let seed = seed % SEEDS;
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    cache
        .entry((pattern, seed, len, chars))
        .or_insert_with(|| {
            let p = &model_patterns()[pattern];
            let mode = [Chars::Printable, Chars::Mixed, Chars::NonAscii][chars];
            let mut r = values::runner(seed, &[&p.java]);
            values::string_of_len(Some(&p.pattern), len, mode, &mut r)
        })
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = PatternInput::decode(data) else {
        return;
    };
    match input {
        PatternInput::Text { pattern, value } => {
            let value: String = value.chars().take(MAX_CHARS).collect();
            let p = &model_patterns()[pattern];
            let ours = p.pattern.is_match(&value);
            let java = p.independent.matches(&value);
            assert_eq!(
                ours, java,
                "{:?} on {value:?}: translation {ours}, independent Java reading {java}",
                p.java
            );
            // Near misses of the value: each character of NEAR_MISSES put at the start, the
            // middle and the end; both readings agree on every one.
            let chars: Vec<char> = value.chars().collect();
            if !chars.is_empty() && chars.len() <= 64 {
                for i in [0, chars.len() / 2, chars.len() - 1] {
                    for &(_, c) in values::NEAR_MISSES {
                        let mut m = chars.clone();
                        m[i] = c;
                        let m = String::from_iter(m);
                        assert_eq!(
                            p.pattern.is_match(&m),
                            p.independent.matches(&m),
                            "{:?} on the near miss {m:?}",
                            p.java
                        );
                    }
                }
            }
        }
        PatternInput::Generated {
            pattern,
            seed,
            len,
            chars,
        } => {
            let p = &model_patterns()[pattern];
            let Some(v) = generated(pattern, seed, len, chars) else {
                return;
            };
            assert_eq!(
                v.chars().count(),
                len,
                "{:?}: {v:?} has the wrong length",
                p.java
            );
            assert!(
                p.pattern.is_match(&v),
                "{:?}: generated {v:?} fails the translation",
                p.java
            );
            assert!(
                p.independent.matches(&v),
                "{:?}: generated {v:?} fails the independent Java reading",
                p.java
            );
            for pos in [Position::Start, Position::Middle, Position::End] {
                for &(what, c) in values::NEAR_MISSES {
                    if let Some(miss) = values::near_miss(&p.pattern, &v, pos, c) {
                        assert!(!p.pattern.is_match(&miss));
                        assert!(
                            !p.independent.matches(&miss),
                            "{:?}: near miss ({what}) {miss:?} matches the independent Java reading",
                            p.java
                        );
                    }
                }
            }
        }
    }
});
