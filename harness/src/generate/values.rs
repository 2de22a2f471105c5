//! Valid values for model shapes, as proptest strategies (usable outside `#[test]` through a
//! seeded [`TestRunner`]), and the exact-length and near-miss strings the fixed cases need.

use std::borrow::Cow;
use std::ops::RangeInclusive;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value};

use crate::dialect::{Pattern, RepeatedClass};
use crate::model::{Catalogue, Kind, Shape};

/// Property values stay short: boundaries cover the long end.
const PROPERTY_MAX_LEN: u64 = 40;
const PROPERTY_MAX_ITEMS: u64 = 3;
const MAX_DEPTH: usize = 5;

/// What [`valid`] returns: cheap to clone, so it is built once per member and drawn from often.
pub type ValueStrategy = BoxedStrategy<Value>;

/// A runner whose randomness is fixed by `seed` and the `parts` naming what it generates, so that
/// a case's values do not depend on which other cases were generated before it.
pub fn runner(seed: u64, parts: &[&str]) -> TestRunner {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &h.finalize());
    TestRunner::new_with_rng(Config::default(), rng)
}

/// One value drawn from a strategy; `None` when the strategy rejects every try.
pub fn draw<S: Strategy>(strategy: &S, runner: &mut TestRunner) -> Option<S::Value> {
    strategy.new_tree(runner).ok().map(|t| t.current())
}

/// Which characters to favour when a class allows many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chars {
    /// Printable ASCII where the class has it: the readable boundary values.
    Printable,
    /// Only characters above U+007F, for the "non-ASCII where allowed" boundary.
    NonAscii,
    /// Anything the class allows, printable ASCII favoured: the property values.
    Mixed,
}

fn intersect(ranges: &[(char, char)], lo: char, hi: char) -> Vec<RangeInclusive<char>> {
    ranges
        .iter()
        .filter_map(|&(a, b)| {
            let (a, b) = (a.max(lo), b.min(hi));
            (a <= b).then_some(a..=b)
        })
        .collect()
}

/// Characters of a class, as a strategy.
pub fn class_chars(ranges: &[(char, char)], mode: Chars) -> Option<BoxedStrategy<char>> {
    let printable = intersect(ranges, '!', '~');
    let high = intersect(ranges, '\u{80}', char::MAX);
    let all: Vec<RangeInclusive<char>> = ranges.iter().map(|&(a, b)| a..=b).collect();
    let s = |r: Vec<RangeInclusive<char>>| proptest::char::ranges(Cow::Owned(r)).boxed();
    match mode {
        Chars::Printable if !printable.is_empty() => Some(s(printable)),
        Chars::Printable | Chars::Mixed if all.is_empty() => None,
        Chars::Printable => Some(s(all)),
        Chars::NonAscii if high.is_empty() => None,
        Chars::NonAscii => Some(s(high)),
        Chars::Mixed if printable.is_empty() => Some(s(all)),
        Chars::Mixed => Some(prop_oneof![4 => s(printable), 1 => s(all)].boxed()),
    }
}

/// The character class an unpatterned string draws from: everything but surrogates.
const ANY_CHAR: &[(char, char)] = &[('\u{0}', '\u{D7FF}'), ('\u{E000}', char::MAX)];

/// The class a string shape's values are made of, when it is one (no pattern, or a repeated
/// class).
pub fn repeated_class(pattern: Option<&Pattern>) -> Option<RepeatedClass> {
    match pattern {
        None => Some(RepeatedClass {
            ranges: ANY_CHAR.to_vec(),
            min: 0,
        }),
        Some(p) => p.repeated_class(),
    }
}

/// A string of exactly `len` characters matching the shape's pattern.
pub fn string_of_len(
    pattern: Option<&Pattern>,
    len: usize,
    mode: Chars,
    runner: &mut TestRunner,
) -> Option<String> {
    if let Some(class) = repeated_class(pattern) {
        if len < class.min {
            return None;
        }
        return sample_class(&class.ranges, mode, len, runner.rng());
    }
    // A structured pattern (`[\w-]+_[0-9a-zA-Z]+`): draw from the regex and keep a fitting one.
    let strategy = regex_strategy(pattern?)?;
    (0..64)
        .filter_map(|_| draw(&strategy, runner))
        .find(|s| s.chars().count() == len && pattern.is_some_and(|p| p.is_match(s)))
}

/// `len` characters of a class drawn straight from the RNG: boundary values run to 131,072
/// characters, far past what a per-element strategy tree builds quickly.
fn sample_class(
    ranges: &[(char, char)],
    mode: Chars,
    len: usize,
    rng: &mut TestRng,
) -> Option<String> {
    use proptest::prelude::Rng as _;
    let printable = intersect(ranges, '!', '~');
    let high = intersect(ranges, '\u{80}', char::MAX);
    let all: Vec<RangeInclusive<char>> = ranges.iter().map(|&(a, b)| a..=b).collect();
    let (main, other) = match mode {
        Chars::Printable if !printable.is_empty() => (printable, None),
        Chars::Printable => (all, None),
        Chars::NonAscii => (high, None),
        Chars::Mixed if printable.is_empty() => (all, None),
        Chars::Mixed => (printable, Some(all)),
    };
    let main = CharSet::new(&main);
    let other = other.map(|o| CharSet::new(&o));
    let mut out = String::with_capacity(len);
    if other.is_none() && !main.is_empty() {
        // One draw a character, taken in blocks: the start-up's long boundary values spent more
        // on the RNG's per-call dispatch than on the characters.
        let mut words = [0u8; 8 * 256];
        let mut left = len;
        while left > 0 {
            let n = left.min(256);
            fill_words(rng, &mut words[..8 * n]);
            for w in words[..8 * n].chunks_exact(8) {
                let w = u64::from_le_bytes(w.try_into().expect("chunks of 8"));
                out.push(main.pick(w)?);
            }
            left -= n;
        }
        return Some(out);
    }
    for _ in 0..len {
        let set = match &other {
            Some(o) if rng.next_u64().is_multiple_of(5) => o,
            _ => &main,
        };
        out.push(set.pick(rng.next_u64())?);
    }
    Some(out)
}

/// Fills `bytes` with the words `next_u64` would return one after another, little-endian.
/// Holds for proptest's ChaCha generator, which [`runner`] makes: it serves both from one
/// buffer of 32-bit words (a test below holds it).
fn fill_words(rng: &mut TestRng, bytes: &mut [u8]) {
    use proptest::prelude::Rng as _;
    rng.fill_bytes(bytes);
}

/// Character ranges to draw from, their sizes summed once.
struct CharSet {
    starts: Vec<u32>,
    /// Characters in this range and those before it.
    ends: Vec<u64>,
    total: Modulus,
}

impl CharSet {
    fn new(set: &[RangeInclusive<char>]) -> Self {
        let mut total = 0;
        let mut starts = Vec::with_capacity(set.len());
        let mut ends = Vec::with_capacity(set.len());
        for r in set {
            let (a, b) = (*r.start() as u32, *r.end() as u32);
            // Code points are counted without the surrogate gap, which `char` ranges never hold.
            let gap = if a <= 0xD7FF && b >= 0xE000 { 0x800 } else { 0 };
            total += u64::from(b - a + 1 - gap);
            starts.push(a);
            ends.push(total);
        }
        Self {
            starts,
            ends,
            total: Modulus::new(total),
        }
    }

    fn is_empty(&self) -> bool {
        self.total.d == 0
    }

    /// The character a draw `x` picks: the `x % total`-th of the set.
    fn pick(&self, x: u64) -> Option<char> {
        if self.is_empty() {
            return None;
        }
        let k = self.total.rem(x);
        let i = self.ends.partition_point(|&end| end <= k);
        let before = if i == 0 { 0 } else { self.ends[i - 1] };
        let mut c = self.starts[i] + (k - before) as u32;
        if (0xD800..0xE000).contains(&c) {
            c += 0x800;
        }
        char::from_u32(c)
    }
}

/// `x % d` for a `d` fixed in advance, by multiplications instead of a division (Lemire, Kaser
/// and Kurz, "Faster remainder by direct computation", 2019: exact for every 64-bit `x` and
/// `d`). A long value takes one remainder a character, and the division was half of what the
/// loop spent beside the RNG.
#[derive(Debug, Clone, Copy)]
struct Modulus {
    d: u64,
    /// `ceil(2^128 / d)`, which wraps to 0 for `d = 1` and so gives 0 there, as it should.
    m: u128,
}

impl Modulus {
    fn new(d: u64) -> Self {
        let m = if d == 0 {
            0
        } else {
            (u128::MAX / u128::from(d)).wrapping_add(1)
        };
        Self { d, m }
    }

    /// `x % d`; `d` must not be 0.
    fn rem(self, x: u64) -> u64 {
        let low = self.m.wrapping_mul(u128::from(x));
        let d = u128::from(self.d);
        // The top 64 bits of the 192-bit product `low * d`.
        let bottom = (u128::from(low as u64) * d) >> 64;
        let top = (low >> 64) * d;
        ((bottom + top) >> 64) as u64
    }
}

/// Strings of `lo..=hi` characters of a class, printable ASCII favoured as in
/// [`Chars::Mixed`], drawn straight from the RNG. proptest's per-character value trees cost more
/// than the rest of a property case together, and generated values are never shrunk.
#[derive(Debug, Clone)]
struct ClassString {
    ranges: Vec<(char, char)>,
    lo: usize,
    hi: usize,
}

impl Strategy for ClassString {
    type Tree = Just<String>;
    type Value = String;

    fn new_tree(&self, runner: &mut TestRunner) -> proptest::strategy::NewTree<Self> {
        use proptest::prelude::Rng as _;
        let span = (self.hi - self.lo) as u64 + 1;
        let len = self.lo + (runner.rng().next_u64() % span) as usize;
        sample_class(&self.ranges, Chars::Mixed, len, runner.rng())
            .map(Just)
            .ok_or_else(|| "the class has no character to draw".into())
    }
}

/// proptest's regex strategy over the translated pattern, without the outer anchors it cannot
/// generate from.
fn regex_strategy(pattern: &Pattern) -> Option<BoxedStrategy<String>> {
    let t = pattern.translated();
    let inner = t.strip_prefix("^(?:")?.strip_suffix(")$")?;
    let inner = inner.strip_prefix('^').unwrap_or(inner);
    let inner = inner.strip_suffix('$').unwrap_or(inner);
    proptest::string::string_regex(inner)
        .ok()
        .map(|s| s.boxed())
}

/// A strategy for valid values of `shape`, or `None` where the generator cannot make one (a
/// pattern it cannot draw from).
pub fn valid(catalogue: &Catalogue, shape: &Shape) -> Option<BoxedStrategy<Value>> {
    valid_at(catalogue, shape, 0)
}

fn valid_at(catalogue: &Catalogue, shape: &Shape, depth: usize) -> Option<BoxedStrategy<Value>> {
    Some(match &shape.kind {
        Kind::String {
            values: Some(values),
            ..
        } => proptest::sample::select(values.clone())
            .prop_map(Value::String)
            .boxed(),
        Kind::String {
            min, max, pattern, ..
        } => {
            let lo = min.unwrap_or(0);
            let hi = max.unwrap_or(u64::MAX).min(lo + PROPERTY_MAX_LEN);
            if let Some(class) = repeated_class(pattern.as_ref()) {
                let lo = lo.max(class.min as u64);
                if lo > hi {
                    return None;
                }
                if class.ranges.is_empty() {
                    return None;
                }
                ClassString {
                    ranges: class.ranges,
                    lo: lo as usize,
                    hi: hi as usize,
                }
                .prop_map(Value::String)
                .boxed()
            } else {
                let p = pattern.clone()?;
                let strategy = regex_strategy(&p)?;
                strategy
                    .prop_filter("length within bounds", move |s| {
                        let n = s.chars().count() as u64;
                        n >= lo && n <= hi.max(lo) && p.is_match(s)
                    })
                    .prop_map(Value::String)
                    .boxed()
            }
        }
        Kind::Integer { min, max } => {
            let lo = min.unwrap_or(i64::from(i32::MIN));
            let hi = max.unwrap_or(i64::from(i32::MAX));
            (lo..=hi).prop_map(Value::from).boxed()
        }
        Kind::Boolean => any::<bool>().prop_map(Value::Bool).boxed(),
        Kind::Blob { min, max } => {
            let lo = min.unwrap_or(0);
            let hi = max.unwrap_or(u64::MAX).min(lo + PROPERTY_MAX_LEN);
            proptest::collection::vec(any::<u8>(), lo as usize..=hi as usize)
                .prop_map(|b| {
                    use base64::Engine as _;
                    Value::String(base64::engine::general_purpose::STANDARD.encode(b))
                })
                .boxed()
        }
        Kind::Timestamp => (0i64..4_000_000_000).prop_map(Value::from).boxed(),
        Kind::Document => prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            "[a-z]{0,8}".prop_map(Value::String),
        ]
        .boxed(),
        Kind::List { member, min, max } => {
            let lo = min.unwrap_or(0);
            let hi = max.unwrap_or(u64::MAX).min(lo + PROPERTY_MAX_ITEMS);
            if depth > MAX_DEPTH && lo > 0 {
                return None;
            }
            let hi = if depth > MAX_DEPTH { lo } else { hi };
            let item = valid_at(catalogue, catalogue.shape(member)?, depth + 1)?;
            proptest::collection::vec(item, lo as usize..=hi as usize)
                .prop_map(Value::Array)
                .boxed()
        }
        Kind::Map {
            key,
            value,
            min,
            max,
        } => {
            let lo = min.unwrap_or(0);
            let hi = max.unwrap_or(u64::MAX).min(lo + PROPERTY_MAX_ITEMS);
            let k = valid_at(catalogue, catalogue.shape(key)?, depth + 1)?;
            let v = valid_at(catalogue, catalogue.shape(value)?, depth + 1)?;
            proptest::collection::vec((k, v), lo as usize..=hi as usize)
                .prop_map(|pairs| {
                    Value::Object(
                        pairs
                            .into_iter()
                            .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v)))
                            .collect(),
                    )
                })
                .boxed()
        }
        Kind::Structure { members } => {
            let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
            for m in members {
                let name = m.name.clone();
                let s = catalogue
                    .shape(&m.shape)
                    .and_then(|s| valid_at(catalogue, s, depth + 1));
                match (s, m.required) {
                    (Some(s), true) => {
                        fields.push(s.prop_map(move |v| Some((name.clone(), v))).boxed())
                    }
                    (None, true) => return None,
                    // Optional members thin out with depth, so nested structures stay small.
                    (Some(s), false) if depth < MAX_DEPTH => fields.push(
                        proptest::option::weighted(0.5, s)
                            .prop_map(move |v| v.map(|v| (name.clone(), v)))
                            .boxed(),
                    ),
                    _ => {}
                }
            }
            fields
                .prop_map(|fs| Value::Object(fs.into_iter().flatten().collect::<Map<_, _>>()))
                .boxed()
        }
    })
}

/// Characters that break a pattern in a telling way, tried in this order.
pub const NEAR_MISSES: &[(&str, char)] = &[
    ("space", ' '),
    ("tab", '\t'),
    ("control character U+0001", '\u{1}'),
    ("non-ASCII letter é", 'é'),
    ("no-break space U+00A0", '\u{A0}'),
    ("symbol #", '#'),
    ("symbol !", '!'),
    ("symbol ~", '~'),
    ("line separator U+2028", '\u{2028}'),
];

/// Where a near miss is put.
#[derive(Debug, Clone, Copy)]
pub enum Position {
    Start,
    Middle,
    End,
}

/// `valid` with the character at `pos` replaced by `bad`, if the result breaks the pattern.
pub fn near_miss(pattern: &Pattern, valid: &str, pos: Position, bad: char) -> Option<String> {
    let mut chars: Vec<char> = valid.chars().collect();
    if chars.is_empty() {
        return None;
    }
    let i = match pos {
        Position::Start => 0,
        Position::Middle => chars.len() / 2,
        Position::End => chars.len() - 1,
    };
    chars[i] = bad;
    let s = String::from_iter(chars);
    (!pattern.is_match(&s)).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string_shape(name: &str) -> &'static Shape {
        Catalogue::embedded().shape(name).unwrap()
    }

    proptest! {
        /// Generated values are part of every snapshot and baseline: drawing a long value's
        /// words in blocks must give the words one draw at a time gives, from any point of the
        /// generator's buffer (odd word offsets and block ends included).
        #[test]
        fn words_in_blocks_are_the_words_one_at_a_time(
            seed in any::<u64>(),
            skip in 0usize..40,
            blocks in proptest::collection::vec(1usize..300, 1..6),
        ) {
            use proptest::prelude::Rng as _;
            let mut one = runner(seed, &["words"]);
            let mut bulk = runner(seed, &["words"]);
            for _ in 0..skip {
                one.rng().next_u32();
                bulk.rng().next_u32();
            }
            for n in blocks {
                let mut bytes = vec![0u8; 8 * n];
                fill_words(bulk.rng(), &mut bytes);
                for w in bytes.chunks_exact(8) {
                    prop_assert_eq!(u64::from_le_bytes(w.try_into().unwrap()), one.rng().next_u64());
                }
            }
            prop_assert_eq!(one.rng().next_u64(), bulk.rng().next_u64());
        }
    }

    proptest! {
        #[test]
        fn the_multiplied_remainder_is_the_remainder(x in any::<u64>(), d in 1u64..) {
            prop_assert_eq!(Modulus::new(d).rem(x), x % d);
        }

        #[test]
        fn the_multiplied_remainder_holds_for_small_sets(x in any::<u64>(), d in 1u64..0x11_0000) {
            prop_assert_eq!(Modulus::new(d).rem(x), x % d);
        }
    }

    #[test]
    fn the_multiplied_remainder_holds_at_the_edges() {
        for d in [
            1,
            2,
            3,
            7,
            94,
            95,
            1 << 20,
            0x10_F800,
            u64::MAX - 1,
            u64::MAX,
        ] {
            for x in [0, 1, d - 1, d, d.wrapping_add(1), u64::MAX - 1, u64::MAX] {
                assert_eq!(Modulus::new(d).rem(x), x % d, "{x} % {d}");
            }
        }
    }

    /// The summed sizes pick the same character the range-by-range count did, across the
    /// surrogate gap too.
    #[test]
    fn a_draw_picks_the_kth_character_of_the_set() {
        let set = CharSet::new(&['a'..='c', '\u{D7FE}'..='\u{E001}', 'x'..='x']);
        let picks: Vec<char> = (0..9).map(|x| set.pick(x).unwrap()).collect();
        assert_eq!(
            picks,
            ['a', 'b', 'c', '\u{D7FE}', '\u{D7FF}', '\u{E000}', '\u{E001}', 'x', 'a']
        );
        assert!(CharSet::new(&[]).pick(3).is_none());
        assert!(CharSet::new(&[]).is_empty());
    }

    #[test]
    fn exact_lengths_match_the_pattern() {
        let Kind::String { pattern, .. } = &string_shape("UsernameType").kind else {
            panic!()
        };
        let mut r = runner(7, &["t"]);
        for (len, mode) in [
            (1, Chars::Printable),
            (128, Chars::Printable),
            (5, Chars::NonAscii),
        ] {
            let s = string_of_len(pattern.as_ref(), len, mode, &mut r).unwrap();
            assert_eq!(s.chars().count(), len);
            assert!(pattern.as_ref().unwrap().is_match(&s), "{s:?}");
            if mode == Chars::NonAscii {
                assert!(s.chars().all(|c| !c.is_ascii()));
            }
        }
    }

    #[test]
    fn ascii_only_classes_have_no_non_ascii_values() {
        let Kind::String { pattern, .. } = &string_shape("ClientIdType").kind else {
            panic!()
        };
        let mut r = runner(1, &["t"]);
        assert_eq!(
            string_of_len(pattern.as_ref(), 4, Chars::NonAscii, &mut r),
            None
        );
    }

    #[test]
    fn structured_patterns_generate() {
        let Kind::String { pattern, .. } = &string_shape("UserPoolIdType").kind else {
            panic!()
        };
        let p = pattern.as_ref().unwrap();
        assert!(p.repeated_class().is_none());
        let mut r = runner(3, &["pool"]);
        let v = draw(
            &valid(Catalogue::embedded(), string_shape("UserPoolIdType")).unwrap(),
            &mut r,
        )
        .unwrap();
        assert!(p.is_match(v.as_str().unwrap()), "{v}");
    }

    #[test]
    fn same_seed_same_values() {
        let cat = Catalogue::embedded();
        let shape = cat.shape("ForgotPasswordRequest").unwrap();
        let s = valid(cat, shape).unwrap();
        let a: Vec<_> = (0..5).map(|_| draw(&s, &mut runner(9, &["x"]))).collect();
        let b: Vec<_> = (0..5).map(|_| draw(&s, &mut runner(9, &["x"]))).collect();
        assert_eq!(a, b);
        assert_ne!(draw(&s, &mut runner(10, &["x"])), a[0]);
    }

    #[test]
    fn near_misses_break_the_pattern() {
        let p = Pattern::new(r"[\w+]+").unwrap();
        assert_eq!(
            near_miss(&p, "abc", Position::Middle, ' ').as_deref(),
            Some("a c")
        );
        assert_eq!(
            near_miss(&p, "abc", Position::End, '+'),
            None,
            "+ is allowed"
        );
    }
}
