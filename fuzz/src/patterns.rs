//! The model's patterns for the `pattern_dialect` target, each under both readings, and its
//! input format.
//!
//! **Byte layout.** Byte 0: mode (even: text, odd: generated). Byte 1: the pattern, an index
//! (modulo the count) into [`model_patterns`] (distinct Java patterns in sorted order).
//! - text: the rest of the input, as UTF-8 (invalid sequences replaced), is the value.
//! - generated: 8 bytes of seed (little-endian), one byte of length (modulo 33), one byte of
//!   character mode (modulo 3: printable, mixed, non-ASCII); the harness's generator makes a
//!   valid value of that length and its near misses.

use std::sync::OnceLock;

use cognate::dialect::Pattern;
use cognate::model::{Catalogue, Kind};

use crate::java_regex::JavaRegex;

/// One model pattern: the Java text, the harness's translation, the independent reading, and
/// the shape's length bounds (the first shape using it, in name order).
pub struct ModelPattern {
    pub java: String,
    pub pattern: Pattern,
    pub independent: JavaRegex,
    pub min: usize,
    pub max: usize,
}

/// Every distinct pattern of the model, sorted by its Java text.
pub fn model_patterns() -> &'static [ModelPattern] {
    static ALL: OnceLock<Vec<ModelPattern>> = OnceLock::new();
    ALL.get_or_init(|| {
        let cat = Catalogue::embedded();
        let mut names: Vec<&String> = cat.shapes.keys().collect();
        names.sort();
        let mut seen = std::collections::BTreeMap::new();
        for name in names {
            if let Kind::String {
                pattern: Some(p),
                min,
                max,
                ..
            } = &cat.shapes[name].kind
            {
                seen.entry(p.java().to_owned()).or_insert_with(|| {
                    (
                        p.clone(),
                        min.unwrap_or(0) as usize,
                        max.map_or(usize::MAX, |m| m as usize),
                    )
                });
            }
        }
        seen.into_iter()
            .map(|(java, (pattern, min, max))| ModelPattern {
                independent: JavaRegex::new(&java)
                    .unwrap_or_else(|e| panic!("the independent reading of {java:?}: {e:?}")),
                java,
                pattern,
                min,
                max,
            })
            .collect()
    })
}

/// A decoded `pattern_dialect` input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternInput {
    Text {
        pattern: usize,
        value: String,
    },
    Generated {
        pattern: usize,
        seed: u64,
        len: usize,
        chars: usize,
    },
}

impl PatternInput {
    pub fn decode(data: &[u8]) -> Option<PatternInput> {
        let n = model_patterns().len();
        let (&mode, rest) = data.split_first()?;
        let (&p, rest) = rest.split_first()?;
        let pattern = usize::from(p) % n;
        if mode % 2 == 0 {
            return Some(PatternInput::Text {
                pattern,
                value: String::from_utf8_lossy(rest).into_owned(),
            });
        }
        let seed = u64::from_le_bytes(rest.get(..8)?.try_into().ok()?);
        Some(PatternInput::Generated {
            pattern,
            seed,
            len: usize::from(*rest.get(8)?) % 33,
            chars: usize::from(*rest.get(9)?) % 3,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        match self {
            PatternInput::Text { pattern, value } => {
                let mut out = vec![0, *pattern as u8];
                out.extend_from_slice(value.as_bytes());
                out
            }
            PatternInput::Generated {
                pattern,
                seed,
                len,
                chars,
            } => {
                let mut out = vec![1, *pattern as u8];
                out.extend_from_slice(&seed.to_le_bytes());
                out.push(*len as u8);
                out.push(*chars as u8);
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_pattern_has_an_independent_reading() {
        assert!(model_patterns().len() > 30);
        assert!(model_patterns().len() <= 256, "one byte picks the pattern");
    }

    #[test]
    fn encode_reads_back() {
        for i in [
            PatternInput::Text {
                pattern: 3,
                value: "a b".into(),
            },
            PatternInput::Generated {
                pattern: 7,
                seed: 99,
                len: 12,
                chars: 2,
            },
        ] {
            assert_eq!(PatternInput::decode(&i.encode()), Some(i));
        }
    }
}
