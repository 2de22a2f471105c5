//! The pattern dialect: the model's Java-flavoured, whole-value patterns, translated once into a
//! pattern that means the same under the Rust `regex` reading and the ECMA-262 reading used by
//! JSON Schema validators.
//!
//! Java differs from both in ways that change verdicts: `\w`, `\d`, `\s` are ASCII in Java and
//! Unicode in Rust (and `\s` is Unicode in ECMA), `.` excludes five line terminators in Java, and
//! `String.matches` is anchored at both ends. The translation therefore spells every shorthand out
//! as an explicit ASCII class, spells `.` out, and anchors the result. Anything the translator
//! does not understand is an error at import time rather than a silently different regex.

use std::fmt::Write as _;

use thiserror::Error;

/// Why a model pattern could not be translated.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DialectError {
    #[error("pattern {pattern:?}: {what} at offset {offset}")]
    Unsupported {
        pattern: String,
        what: &'static str,
        offset: usize,
    },
    #[error("pattern {pattern:?} translated to {translated:?}, which does not compile: {reason}")]
    Compile {
        pattern: String,
        translated: String,
        reason: String,
    },
}

/// Java's `\s`: `[ \t\n\x0B\f\r]`.
const JAVA_SPACE: &str = r"\t\n\x0B\f\r ";
const JAVA_WORD: &str = "A-Za-z0-9_";
const JAVA_DIGIT: &str = "0-9";
/// Java's `.` without DOTALL excludes these line terminators (UNIX_LINES off).
const JAVA_DOT: &str = r"[^\n\r\u0085\u2028\u2029]";
/// Any character, in a spelling both Rust and ECMA read the same way.
const ANY: &str = r"[\s\S]";

/// Translates a Java pattern into an anchored pattern with the same meaning under Rust's `regex`
/// (or `fancy-regex`, for look-behind) and ECMA-262 with the `u` flag.
pub fn translate(java: &str) -> Result<String, DialectError> {
    let body = Translator::new(java).run()?;
    Ok(format!("^(?:{body})$"))
}

/// A model pattern, translated and compiled, matched against whole values.
/// Cheap to clone: the compiled engines are shared.
#[derive(Debug, Clone)]
pub struct Pattern(std::sync::Arc<Inner>);

#[derive(Debug)]
struct Inner {
    java: String,
    translated: String,
    /// Compiled on first use when loaded with [`Pattern::deferred`]: a run touches a few of the
    /// model's patterns, and compiling all of them was a quarter of a short run's start-up.
    engine: std::sync::OnceLock<Result<Engine, DialectError>>,
    /// Parsing the Unicode classes is slow; generators ask often.
    class: std::sync::OnceLock<Option<RepeatedClass>>,
}

#[derive(Debug, Clone)]
enum Engine {
    Plain(regex::Regex),
    /// Only for the look-behind the `regex` crate cannot express.
    Fancy(fancy_regex::Regex),
}

impl Engine {
    fn compile(java: &str, translated: &str) -> Result<Engine, DialectError> {
        match regex::Regex::new(translated) {
            Ok(re) => Ok(Engine::Plain(re)),
            Err(_) => fancy_regex::Regex::new(translated)
                .map(Engine::Fancy)
                .map_err(|e| DialectError::Compile {
                    pattern: java.to_owned(),
                    translated: translated.to_owned(),
                    reason: e.to_string(),
                }),
        }
    }
}

impl Pattern {
    /// Translates and compiles: every error is reported here.
    pub fn new(java: &str) -> Result<Self, DialectError> {
        let p = Self::deferred(java)?;
        p.compiled()?;
        Ok(p)
    }

    /// Translates now and compiles on first use. For patterns already known to compile (the
    /// committed schemas, whose patterns a test compiles); [`Pattern::compiled`] forces it.
    pub fn deferred(java: &str) -> Result<Self, DialectError> {
        let translated = translate(java)?;
        Ok(Self(std::sync::Arc::new(Inner {
            java: java.to_owned(),
            translated,
            engine: std::sync::OnceLock::new(),
            class: std::sync::OnceLock::new(),
        })))
    }

    /// Compiles the pattern if it is not yet compiled.
    pub fn compiled(&self) -> Result<(), DialectError> {
        self.engine().map(drop).map_err(Clone::clone)
    }

    fn engine(&self) -> Result<&Engine, &DialectError> {
        self.0
            .engine
            .get_or_init(|| Engine::compile(&self.0.java, &self.0.translated))
            .as_ref()
    }

    /// The pattern as the model writes it (and as AWS quotes it in validation messages).
    pub fn java(&self) -> &str {
        &self.0.java
    }

    /// The anchored translation, as written into the JSON Schemas.
    pub fn translated(&self) -> &str {
        &self.0.translated
    }

    /// Whether the whole value matches, under Java's reading.
    pub fn is_match(&self, value: &str) -> bool {
        match self.engine() {
            Ok(Engine::Plain(re)) => re.is_match(value),
            // A backtracking limit reached counts as no match: such a value is rejected.
            Ok(Engine::Fancy(re)) => re.is_match(value).unwrap_or(false),
            // Only a deferred pattern gets here, and loading checked it (`Catalogue::load_dir`)
            // or a test did (the committed schemas).
            Err(_) => false,
        }
    }

    /// When the pattern is one character class repeated (`[\w+]+`, `[\S]+`, ...), the class as
    /// sorted ranges and the minimum repetition. Generators use it to build values of an exact
    /// length; other patterns go through the general generator.
    pub fn repeated_class(&self) -> Option<RepeatedClass> {
        self.0
            .class
            .get_or_init(|| self.parse_repeated_class())
            .clone()
    }

    fn parse_repeated_class(&self) -> Option<RepeatedClass> {
        use regex_syntax::hir::{Class, HirKind};
        let hir = regex_syntax::parse(&self.0.translated).ok()?;
        let HirKind::Concat(parts) = hir.kind() else {
            return None;
        };
        let inner: Vec<_> = parts
            .iter()
            .filter(|h| !matches!(h.kind(), HirKind::Look(_)))
            .collect();
        let [only] = inner.as_slice() else {
            return None;
        };
        let mut h = *only;
        while let HirKind::Capture(c) = h.kind() {
            h = &c.sub;
        }
        let HirKind::Repetition(rep) = h.kind() else {
            return None;
        };
        if rep.max.is_some() {
            return None;
        }
        let mut sub = &*rep.sub;
        while let HirKind::Capture(c) = sub.kind() {
            sub = &c.sub;
        }
        let HirKind::Class(Class::Unicode(class)) = sub.kind() else {
            return None;
        };
        Some(RepeatedClass {
            ranges: class
                .ranges()
                .iter()
                .map(|r| (r.start(), r.end()))
                .collect(),
            min: rep.min as usize,
        })
    }
}

/// One character class repeated at least `min` times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatedClass {
    pub ranges: Vec<(char, char)>,
    pub min: usize,
}

impl RepeatedClass {
    pub fn contains(&self, c: char) -> bool {
        self.ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi)
    }
}

struct Translator<'a> {
    src: &'a str,
    chars: Vec<(usize, char)>,
    pos: usize,
    out: String,
    dotall: bool,
}

impl<'a> Translator<'a> {
    fn new(src: &'a str) -> Self {
        Self {
            src,
            chars: src.char_indices().collect(),
            pos: 0,
            out: String::with_capacity(src.len() * 2),
            dotall: false,
        }
    }

    fn err(&self, what: &'static str) -> DialectError {
        let offset = self.chars.get(self.pos).map_or(self.src.len(), |c| c.0);
        DialectError::Unsupported {
            pattern: self.src.to_owned(),
            what,
            offset,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).map(|c| c.1)
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.pos + n).map(|c| c.1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek();
        self.pos += 1;
        c
    }

    fn run(mut self) -> Result<String, DialectError> {
        while let Some(c) = self.bump() {
            match c {
                '\\' => self.escape_outside()?,
                '[' => self.class()?,
                '.' => self.out.push_str(if self.dotall { ANY } else { JAVA_DOT }),
                '(' => self.group_open()?,
                ')' | '|' | '*' | '+' | '?' | '^' | '$' => self.out.push(c),
                '{' => self.quantifier()?,
                '}' | ']' => return Err(self.err("unbalanced bracket")),
                c => push_literal(&mut self.out, c),
            }
        }
        Ok(self.out)
    }

    fn group_open(&mut self) -> Result<(), DialectError> {
        if self.peek() != Some('?') {
            self.out.push('(');
            return Ok(());
        }
        // Inline flags: only a leading `(?s)` occurs in the model; ECMA has no inline flags, so
        // it is applied here by spelling `.` as any character.
        if self.peek_at(1) == Some('s') && self.peek_at(2) == Some(')') {
            if self.pos != 1 {
                return Err(self.err("inline flag not at the start"));
            }
            self.pos += 3;
            self.dotall = true;
            return Ok(());
        }
        let rest: String = self.chars[self.pos..].iter().take(3).map(|c| c.1).collect();
        for prefix in ["?:", "?<!", "?<=", "?=", "?!"] {
            if rest.starts_with(prefix) {
                self.out.push('(');
                self.out.push_str(prefix);
                self.pos += prefix.chars().count();
                return Ok(());
            }
        }
        Err(self.err("group kind"))
    }

    fn quantifier(&mut self) -> Result<(), DialectError> {
        self.out.push('{');
        loop {
            match self.bump() {
                Some(c @ ('0'..='9' | ',')) => self.out.push(c),
                Some('}') => {
                    self.out.push('}');
                    return Ok(());
                }
                _ => return Err(self.err("malformed {m,n} quantifier")),
            }
        }
    }

    fn escape_outside(&mut self) -> Result<(), DialectError> {
        let c = self.bump().ok_or_else(|| self.err("trailing backslash"))?;
        match c {
            'w' => write!(self.out, "[{JAVA_WORD}]").unwrap(),
            'W' => write!(self.out, "[^{JAVA_WORD}]").unwrap(),
            'd' => write!(self.out, "[{JAVA_DIGIT}]").unwrap(),
            'D' => write!(self.out, "[^{JAVA_DIGIT}]").unwrap(),
            's' => write!(self.out, "[{JAVA_SPACE}]").unwrap(),
            'S' => write!(self.out, "[^{JAVA_SPACE}]").unwrap(),
            'p' | 'P' => {
                let prop = self.property()?;
                write!(self.out, "\\{c}{{{prop}}}").unwrap();
            }
            _ => {
                let ch = self.escaped_char(c)?;
                push_literal(&mut self.out, ch);
            }
        }
        Ok(())
    }

    /// A Unicode property name after `\p`, in braces or as one letter.
    fn property(&mut self) -> Result<String, DialectError> {
        match self.bump() {
            Some('{') => {
                let mut name = String::new();
                loop {
                    match self.bump() {
                        Some('}') => break,
                        Some(c) if c.is_ascii_alphanumeric() || c == '_' => name.push(c),
                        _ => return Err(self.err("malformed \\p{...}")),
                    }
                }
                // Only general categories: both engines name them the same way.
                const CATEGORIES: &[&str] = &[
                    "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl",
                    "No", "P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk",
                    "So", "Z", "Zs", "Zl", "Zp", "C", "Cc", "Cf", "Co", "Cn",
                ];
                if CATEGORIES.contains(&name.as_str()) {
                    Ok(name)
                } else {
                    Err(self.err("Unicode property other than a general category"))
                }
            }
            Some(c) if c.is_ascii_uppercase() => Ok(c.to_string()),
            _ => Err(self.err("malformed \\p")),
        }
    }

    /// The character an escape other than a class shorthand stands for.
    fn escaped_char(&mut self, c: char) -> Result<char, DialectError> {
        Ok(match c {
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            'f' => '\x0C',
            'x' => {
                let hex: String = (0..2).filter_map(|_| self.bump()).collect();
                u32::from_str_radix(&hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .filter(|_| hex.len() == 2)
                    .ok_or_else(|| self.err("malformed \\x escape"))?
            }
            'u' => {
                let hex: String = (0..4).filter_map(|_| self.bump()).collect();
                u32::from_str_radix(&hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .filter(|_| hex.len() == 4)
                    .ok_or_else(|| self.err("malformed \\u escape"))?
            }
            c if c.is_ascii_punctuation() => c,
            _ => return Err(self.err("escape")),
        })
    }

    fn class(&mut self) -> Result<(), DialectError> {
        let negated = if self.peek() == Some('^') {
            self.bump();
            true
        } else {
            false
        };
        let mut items = String::new();
        // A negated shorthand (`\S`) cannot be spelled inside another ECMA class; it is accepted
        // only as the class's single item, where the whole class becomes its complement.
        let mut lone_negated: Option<&'static str> = None;
        let mut count = 0usize;
        let mut first = true;
        loop {
            let c = self.bump().ok_or_else(|| self.err("unterminated class"))?;
            if c == ']' && !first {
                break;
            }
            first = false;
            count += 1;
            let atom = match c {
                '[' => return Err(self.err("nested class")),
                '&' if self.peek() == Some('&') => return Err(self.err("class intersection")),
                '\\' => {
                    let e = self.bump().ok_or_else(|| self.err("trailing backslash"))?;
                    match e {
                        'w' => {
                            items.push_str(JAVA_WORD);
                            continue;
                        }
                        'd' => {
                            items.push_str(JAVA_DIGIT);
                            continue;
                        }
                        's' => {
                            items.push_str(JAVA_SPACE);
                            continue;
                        }
                        'W' | 'D' | 'S' => {
                            lone_negated = Some(match e {
                                'W' => JAVA_WORD,
                                'D' => JAVA_DIGIT,
                                _ => JAVA_SPACE,
                            });
                            continue;
                        }
                        'p' | 'P' => {
                            let prop = self.property()?;
                            write!(items, "\\{e}{{{prop}}}").unwrap();
                            continue;
                        }
                        _ => self.escaped_char(e)?,
                    }
                }
                c => c,
            };
            // `a-z` is a range unless the `-` is the class's last character (Java's reading).
            if self.peek() == Some('-') && self.peek_at(1).is_some_and(|n| n != ']') {
                self.bump();
                let hi = match self.bump() {
                    Some('\\') => {
                        let e = self.bump().ok_or_else(|| self.err("trailing backslash"))?;
                        self.escaped_char(e)?
                    }
                    Some('[') => return Err(self.err("nested class")),
                    Some(h) => h,
                    None => return Err(self.err("unterminated class")),
                };
                if hi < atom {
                    return Err(self.err("reversed class range"));
                }
                push_class_char(&mut items, atom);
                items.push('-');
                push_class_char(&mut items, hi);
            } else {
                push_class_char(&mut items, atom);
            }
        }
        match lone_negated {
            None => {
                self.out.push('[');
                if negated {
                    self.out.push('^');
                }
                self.out.push_str(&items);
                self.out.push(']');
            }
            Some(set) if count == 1 => {
                // `[\S]` is `[^\s]`; `[^\S]` is `[\s]`.
                write!(self.out, "[{}{set}]", if negated { "" } else { "^" }).unwrap();
            }
            Some(_) => return Err(self.err("negated shorthand beside other class items")),
        }
        Ok(())
    }
}

/// A literal outside a class, escaped where either engine would read it as syntax.
fn push_literal(out: &mut String, c: char) {
    if "\\.+*?()|[]{}^$/-".contains(c) {
        out.push('\\');
        out.push(c);
    } else {
        push_plain(out, c);
    }
}

/// A literal inside a class: `-`, `]`, `[`, `\` and `^` always escaped, so no item can be misread as
/// a range or the class's end by either engine.
fn push_class_char(out: &mut String, c: char) {
    if "\\]-[^".contains(c) {
        out.push('\\');
        out.push(c);
    } else {
        push_plain(out, c);
    }
}

/// Control and non-printing characters as `\uXXXX`, which both engines read; the rest as is.
fn push_plain(out: &mut String, c: char) {
    match c {
        '\t' => out.push_str(r"\t"),
        '\n' => out.push_str(r"\n"),
        '\r' => out.push_str(r"\r"),
        '\x0B' => out.push_str(r"\x0B"),
        '\x0C' => out.push_str(r"\f"),
        c if c.is_control() || (c as u32) < 0x20 => {
            write!(out, "\\u{:04X}", c as u32).unwrap();
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorthands_become_ascii_classes() {
        assert_eq!(translate(r"[\w+]+").unwrap(), r"^(?:[A-Za-z0-9_+]+)$");
        assert_eq!(translate(r"[\S]+").unwrap(), r"^(?:[^\t\n\x0B\f\r ]+)$");
        assert_eq!(
            translate(r"[\w-]+_[0-9a-zA-Z]+").unwrap(),
            r"^(?:[A-Za-z0-9_\-]+_[0-9a-zA-Z]+)$"
        );
    }

    #[test]
    fn java_word_is_ascii_only() {
        let p = Pattern::new(r"[\w+]+").unwrap();
        assert!(p.is_match("abc_XYZ+09"));
        assert!(!p.is_match("é"), "Java's \\w is ASCII");
        assert!(!p.is_match("٣"), "Arabic-Indic digit is not Java \\d");
        assert!(!p.is_match("abc "), "whole-value match");
        assert!(!p.is_match(""));
    }

    #[test]
    fn java_space_excludes_unicode_spaces() {
        let p = Pattern::new(r"[\S]+").unwrap();
        assert!(
            p.is_match("p@ss\u{A0}word"),
            "NBSP is not Java \\s, so \\S allows it"
        );
        assert!(!p.is_match("a b"));
        assert!(!p.is_match("a\x0Bb"));
    }

    #[test]
    fn hyphen_after_range_is_literal() {
        let p = Pattern::new(r"[A-Za-z0-9-_+/=.]+").unwrap();
        assert!(p.is_match("-_+/=."));
        assert!(!p.is_match(":"), "`9-_` is not a range in Java's reading");
    }

    #[test]
    fn dot_and_dotall() {
        let dot = Pattern::new(r".*\{####\}.*").unwrap();
        assert!(dot.is_match("code {####} here"));
        assert!(!dot.is_match("line\u{2028}{####}"));
        let all = Pattern::new(r"(?s).*").unwrap();
        assert!(all.is_match("a\nb\u{2028}c"));
    }

    #[test]
    fn lookbehind_falls_back_to_fancy_regex() {
        let p = Pattern::new(r"^[0-9A-Za-z\.\-_]*(?<!\.)$").unwrap();
        assert!(p.is_match("my-domain"));
        assert!(!p.is_match("my-domain."));
    }

    #[test]
    fn every_model_pattern_translates() {
        let model: serde_json::Value = serde_json::from_str(include_str!(
            "../../schemas/model/cognito-idp-2016-04-18.service-2.json"
        ))
        .unwrap();
        let mut n = 0;
        for shape in model["shapes"].as_object().unwrap().values() {
            if let Some(p) = shape.get("pattern").and_then(|p| p.as_str()) {
                Pattern::new(p).unwrap_or_else(|e| panic!("{e}"));
                n += 1;
            }
        }
        assert!(n > 60, "expected every patterned shape, saw {n}");
    }

    #[test]
    fn unsupported_constructs_are_errors() {
        assert!(translate(r"[a-z&&[^q]]").is_err());
        assert!(translate(r"[\Sa]").is_err());
        assert!(translate(r"(?<name>x)").is_err());
        assert!(translate(r"\p{IsAlphabetic}").is_err());
    }

    #[test]
    fn repeated_class_is_detected() {
        let p = Pattern::new(r"[\w+]+").unwrap();
        let rc = p.repeated_class().unwrap();
        assert_eq!(rc.min, 1);
        assert!(rc.contains('+') && rc.contains('Z') && !rc.contains('-'));
        assert!(Pattern::new(r"[\w-]+_[0-9a-zA-Z]+")
            .unwrap()
            .repeated_class()
            .is_none());
    }
}
