//! An independent reading of the Java `java.util.regex` subset the Cognito model's patterns use,
//! matched the way `String.matches` does (the whole value). It parses the Java syntax itself and
//! never goes through `cognate::dialect::translate`, so the `pattern_dialect` fuzz target can
//! compare the two.
//!
//! Supported: literals; `.` (Java's: not `\n`, `\r`, U+0085, U+2028, U+2029; any character after
//! a leading `(?s)`); classes with ranges, negation and Java's hyphen rule (a `-` right after a
//! range, or before `]`, is a literal); `\w \d \s \W \D \S` with Java's ASCII meaning
//! (`\s` = `[ \t\n\x0B\f\r]`); `\p{..}` / `\P{..}` general categories (from the
//! `unicode-general-category` tables); `\xhh`, `\uhhhh`, `\t \n \r \f`, escaped punctuation;
//! groups `( )` and `(?: )`; alternation; `? * + {n} {n,} {n,m}`; `^` and Java's `$` (end of
//! input, or before a final line terminator); a bounded negative or positive look-behind.
//! Anything else is a parse error, never a silently different reading.
//!
//! Matching is a backtracking search over a small compiled program with a visited set on
//! (instruction, position), so it runs in time proportional to program size × input length.

use std::cell::RefCell;

use unicode_general_category::{get_general_category, GeneralCategory as G};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub at: usize,
    pub what: &'static str,
}

/// One item of a character set.
#[derive(Debug, Clone)]
enum Item {
    Range(char, char),
    /// A general category (`L`, `Lu`, ...), possibly negated (`\P{..}`).
    Category(&'static [G], bool),
    /// Java's `\s`.
    Space,
}

/// A set of characters: the union of its items, then complemented if negated.
#[derive(Debug, Clone)]
struct Set {
    negated: bool,
    items: Vec<Item>,
}

impl Set {
    fn one(c: char) -> Set {
        Set {
            negated: false,
            items: vec![Item::Range(c, c)],
        }
    }

    fn contains(&self, c: char) -> bool {
        let inside = self.items.iter().any(|i| match i {
            Item::Range(lo, hi) => *lo <= c && c <= *hi,
            Item::Category(cats, neg) => cats.contains(&get_general_category(c)) != *neg,
            Item::Space => matches!(c, ' ' | '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r'),
        });
        inside != self.negated
    }
}

#[derive(Debug, Clone)]
enum Node {
    Set(Set),
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
    Start,
    End,
    LookBehind {
        negated: bool,
        node: Box<Node>,
    },
}

const LETTER: &[G] = &[
    G::UppercaseLetter,
    G::LowercaseLetter,
    G::TitlecaseLetter,
    G::ModifierLetter,
    G::OtherLetter,
];
const MARK: &[G] = &[G::NonspacingMark, G::SpacingMark, G::EnclosingMark];
const NUMBER: &[G] = &[G::DecimalNumber, G::LetterNumber, G::OtherNumber];
const PUNCT: &[G] = &[
    G::ConnectorPunctuation,
    G::DashPunctuation,
    G::OpenPunctuation,
    G::ClosePunctuation,
    G::InitialPunctuation,
    G::FinalPunctuation,
    G::OtherPunctuation,
];
const SYMBOL: &[G] = &[
    G::MathSymbol,
    G::CurrencySymbol,
    G::ModifierSymbol,
    G::OtherSymbol,
];
const SEPARATOR: &[G] = &[G::SpaceSeparator, G::LineSeparator, G::ParagraphSeparator];
const OTHER: &[G] = &[
    G::Control,
    G::Format,
    G::Surrogate,
    G::PrivateUse,
    G::Unassigned,
];

fn category(name: &str) -> Option<&'static [G]> {
    Some(match name {
        "L" => LETTER,
        "Lu" => &[G::UppercaseLetter],
        "Ll" => &[G::LowercaseLetter],
        "Lt" => &[G::TitlecaseLetter],
        "Lm" => &[G::ModifierLetter],
        "Lo" => &[G::OtherLetter],
        "M" => MARK,
        "Mn" => &[G::NonspacingMark],
        "Mc" => &[G::SpacingMark],
        "Me" => &[G::EnclosingMark],
        "N" => NUMBER,
        "Nd" => &[G::DecimalNumber],
        "Nl" => &[G::LetterNumber],
        "No" => &[G::OtherNumber],
        "P" => PUNCT,
        "S" => SYMBOL,
        "Sm" => &[G::MathSymbol],
        "Sc" => &[G::CurrencySymbol],
        "Sk" => &[G::ModifierSymbol],
        "So" => &[G::OtherSymbol],
        "Z" => SEPARATOR,
        "Zs" => &[G::SpaceSeparator],
        "Zl" => &[G::LineSeparator],
        "Zp" => &[G::ParagraphSeparator],
        "C" => OTHER,
        "Cc" => &[G::Control],
        "Cf" => &[G::Format],
        "Co" => &[G::PrivateUse],
        "Cn" => &[G::Unassigned],
        _ => return None,
    })
}

fn word() -> Vec<Item> {
    vec![
        Item::Range('a', 'z'),
        Item::Range('A', 'Z'),
        Item::Range('0', '9'),
        Item::Range('_', '_'),
    ]
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    dotall: bool,
}

impl Parser {
    fn err(&self, what: &'static str) -> ParseError {
        ParseError { at: self.pos, what }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn next(&mut self) -> Result<char, ParseError> {
        let c = self.peek().ok_or_else(|| self.err("unexpected end"))?;
        self.pos += 1;
        Ok(c)
    }

    fn alternation(&mut self) -> Result<Node, ParseError> {
        let mut alts = vec![self.sequence()?];
        while self.eat('|') {
            alts.push(self.sequence()?);
        }
        Ok(if alts.len() == 1 {
            alts.pop().expect("one")
        } else {
            Node::Alt(alts)
        })
    }

    fn sequence(&mut self) -> Result<Node, ParseError> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            let atom = self.quantified(atom)?;
            items.push(atom);
        }
        Ok(Node::Concat(items))
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, ParseError> {
        let (min, max) = match self.peek() {
            Some('?') => (0, Some(1)),
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('{') => {
                self.pos += 1;
                let min = self
                    .number()?
                    .ok_or_else(|| self.err("{ without a count"))?;
                let max = if self.eat(',') {
                    self.number()?
                } else {
                    Some(min)
                };
                if !self.eat('}') {
                    return Err(self.err("unterminated {"));
                }
                if max.is_some_and(|m| m < min) {
                    return Err(self.err("{n,m} with m < n"));
                }
                self.pos -= 1; // the common advance below
                (min, max)
            }
            _ => return Ok(atom),
        };
        self.pos += 1;
        if matches!(self.peek(), Some('?' | '+')) {
            return Err(self.err("lazy or possessive quantifier"));
        }
        if matches!(atom, Node::Start | Node::End | Node::LookBehind { .. }) {
            return Err(self.err("quantified assertion"));
        }
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
        })
    }

    fn number(&mut self) -> Result<Option<u32>, ParseError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if start == self.pos {
            return Ok(None);
        }
        let s: String = self.chars[start..self.pos].iter().collect();
        s.parse()
            .map(Some)
            .map_err(|_| self.err("count out of range"))
    }

    fn atom(&mut self) -> Result<Node, ParseError> {
        let c = self.next()?;
        Ok(match c {
            '(' => self.group()?,
            '[' => Node::Set(self.class()?),
            '.' => Node::Set(if self.dotall {
                Set {
                    negated: true,
                    items: vec![],
                }
            } else {
                Set {
                    negated: true,
                    items: ['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}']
                        .into_iter()
                        .map(|c| Item::Range(c, c))
                        .collect(),
                }
            }),
            '^' => Node::Start,
            '$' => Node::End,
            '\\' => Node::Set(self.escape(false)?),
            '*' | '+' | '?' | '{' => return Err(self.err("quantifier without an atom")),
            ']' | '}' => return Err(self.err("stray bracket")),
            c => Node::Set(Set::one(c)),
        })
    }

    fn group(&mut self) -> Result<Node, ParseError> {
        if self.eat('?') {
            if self.eat('s') {
                if !self.eat(')') {
                    return Err(self.err("inline flags other than (?s)"));
                }
                if self.pos != 4 {
                    return Err(self.err("(?s) not at the start"));
                }
                self.dotall = true;
                return Ok(Node::Concat(vec![]));
            }
            if self.eat(':') {
                return self.close();
            }
            if self.eat('<') {
                let negated = if self.eat('!') {
                    true
                } else if self.eat('=') {
                    false
                } else {
                    return Err(self.err("named group"));
                };
                let inner = self.close()?;
                if max_len(&inner).is_none() {
                    return Err(self.err("unbounded look-behind"));
                }
                return Ok(Node::LookBehind {
                    negated,
                    node: Box::new(inner),
                });
            }
            return Err(self.err("group kind"));
        }
        self.close()
    }

    fn close(&mut self) -> Result<Node, ParseError> {
        let inner = self.alternation()?;
        if !self.eat(')') {
            return Err(self.err("unclosed group"));
        }
        Ok(inner)
    }

    fn hex(&mut self, n: usize) -> Result<char, ParseError> {
        let mut v = 0u32;
        for _ in 0..n {
            let d = self
                .next()?
                .to_digit(16)
                .ok_or_else(|| self.err("hex digit"))?;
            v = v * 16 + d;
        }
        char::from_u32(v).ok_or_else(|| self.err("not a character"))
    }

    /// After a backslash: a set (shorthand or property) or one literal character.
    fn escape(&mut self, in_class: bool) -> Result<Set, ParseError> {
        let c = self.next()?;
        let set = |items, negated| Set { negated, items };
        Ok(match c {
            'w' => set(word(), false),
            'W' => set(word(), true),
            'd' => set(vec![Item::Range('0', '9')], false),
            'D' => set(vec![Item::Range('0', '9')], true),
            's' => set(vec![Item::Space], false),
            'S' => set(vec![Item::Space], true),
            'p' | 'P' => {
                let name: String = if self.eat('{') {
                    let mut n = String::new();
                    loop {
                        match self.next()? {
                            '}' => break,
                            c => n.push(c),
                        }
                    }
                    n
                } else {
                    self.next()?.to_string()
                };
                let cats = category(&name).ok_or_else(|| self.err("unknown property"))?;
                set(vec![Item::Category(cats, c == 'P')], false)
            }
            't' => Set::one('\t'),
            'n' => Set::one('\n'),
            'r' => Set::one('\r'),
            'f' => Set::one('\u{0C}'),
            'x' => Set::one(self.hex(2)?),
            'u' => Set::one(self.hex(4)?),
            // Java: a backslash before a character that is not a letter or digit is that
            // character.
            c if !c.is_alphanumeric() => Set::one(c),
            _ if in_class => return Err(self.err("escape in class")),
            _ => return Err(self.err("escape")),
        })
    }

    /// After `[`: Java's class grammar for the subset the model uses.
    fn class(&mut self) -> Result<Set, ParseError> {
        let negated = self.eat('^');
        let mut items: Vec<Item> = Vec::new();
        // Whole sets from negated shorthands are kept apart and joined by union.
        let mut complements: Vec<Set> = Vec::new();
        let mut first = true;
        loop {
            let c = self.next()?;
            if c == ']' && !first {
                break;
            }
            first = false;
            if c == '[' {
                return Err(self.err("nested class"));
            }
            if c == '&' && self.peek() == Some('&') {
                return Err(self.err("intersection"));
            }
            let single = if c == '\\' {
                let s = self.escape(true)?;
                match (s.negated, s.items.as_slice()) {
                    (false, [Item::Range(a, b)]) if a == b => *a,
                    (false, _) => {
                        items.extend(s.items);
                        continue;
                    }
                    (true, _) => {
                        complements.push(s);
                        continue;
                    }
                }
            } else {
                c
            };
            // Java's range(): `x-y` unless the `-` is followed by `]`.
            if self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|&n| n != ']') {
                self.pos += 1;
                let hi = match self.next()? {
                    '\\' => {
                        let s = self.escape(true)?;
                        match (s.negated, s.items.as_slice()) {
                            (false, [Item::Range(a, b)]) if a == b => *a,
                            _ => return Err(self.err("class in a range")),
                        }
                    }
                    '[' => return Err(self.err("nested class")),
                    h => h,
                };
                if hi < single {
                    return Err(self.err("reversed range"));
                }
                items.push(Item::Range(single, hi));
            } else {
                items.push(Item::Range(single, single));
            }
        }
        if complements.is_empty() {
            return Ok(Set { negated, items });
        }
        // [\S] and [^\S]: the only negated shorthand uses in the model are a class's only item.
        if complements.len() == 1 && items.is_empty() {
            let mut s = complements.pop().expect("one");
            s.negated ^= negated;
            return Ok(s);
        }
        Err(self.err("negated shorthand beside other items"))
    }
}

/// The longest a node can match, in characters (`None`: unbounded).
fn max_len(n: &Node) -> Option<usize> {
    match n {
        Node::Set(_) => Some(1),
        Node::Concat(v) => v.iter().try_fold(0usize, |a, n| Some(a + max_len(n)?)),
        Node::Alt(v) => v.iter().try_fold(0usize, |a, n| Some(a.max(max_len(n)?))),
        Node::Repeat { node, max, .. } => Some(max_len(node)? * (*max)? as usize),
        Node::Start | Node::End | Node::LookBehind { .. } => Some(0),
    }
}

fn min_len(n: &Node) -> usize {
    match n {
        Node::Set(_) => 1,
        Node::Concat(v) => v.iter().map(min_len).sum(),
        Node::Alt(v) => v.iter().map(min_len).min().unwrap_or(0),
        Node::Repeat { node, min, .. } => min_len(node) * *min as usize,
        Node::Start | Node::End | Node::LookBehind { .. } => 0,
    }
}

#[derive(Debug, Clone)]
enum Inst {
    Char(usize),
    Split(usize, usize),
    Jmp(usize),
    Start,
    End,
    LookBehind {
        negated: bool,
        prog: usize,
        min: usize,
        max: usize,
    },
    Match,
}

#[derive(Debug, Clone, Default)]
struct Prog {
    insts: Vec<Inst>,
}

/// A compiled Java pattern.
#[derive(Debug, Clone)]
pub struct JavaRegex {
    sets: Vec<Set>,
    /// Program 0 is the pattern; the others are look-behind bodies.
    progs: Vec<Prog>,
}

/// Repetitions are unrolled; a bound this large is not a model pattern.
const MAX_UNROLL: u32 = 1000;

impl JavaRegex {
    pub fn new(pattern: &str) -> Result<JavaRegex, ParseError> {
        let mut p = Parser {
            chars: pattern.chars().collect(),
            pos: 0,
            dotall: false,
        };
        let node = p.alternation()?;
        if p.pos != p.chars.len() {
            return Err(p.err("unbalanced )"));
        }
        let mut re = JavaRegex {
            sets: Vec::new(),
            progs: vec![Prog::default()],
        };
        let mut main = Prog::default();
        re.emit(&node, &mut main)?;
        main.insts.push(Inst::Match);
        re.progs[0] = main;
        Ok(re)
    }

    fn emit(&mut self, n: &Node, p: &mut Prog) -> Result<(), ParseError> {
        match n {
            Node::Set(s) => {
                self.sets.push(s.clone());
                p.insts.push(Inst::Char(self.sets.len() - 1));
            }
            Node::Concat(v) => {
                for n in v {
                    self.emit(n, p)?;
                }
            }
            Node::Alt(v) => {
                let mut jumps = Vec::new();
                for (i, alt) in v.iter().enumerate() {
                    if i + 1 < v.len() {
                        let split = p.insts.len();
                        p.insts.push(Inst::Split(split + 1, 0));
                        self.emit(alt, p)?;
                        jumps.push(p.insts.len());
                        p.insts.push(Inst::Jmp(0));
                        let next = p.insts.len();
                        p.insts[split] = Inst::Split(split + 1, next);
                    } else {
                        self.emit(alt, p)?;
                    }
                }
                let end = p.insts.len();
                for j in jumps {
                    p.insts[j] = Inst::Jmp(end);
                }
            }
            Node::Repeat { node, min, max } => {
                if *min > MAX_UNROLL || max.is_some_and(|m| m > MAX_UNROLL) {
                    return Err(ParseError {
                        at: 0,
                        what: "repetition bound too large",
                    });
                }
                for _ in 0..*min {
                    self.emit(node, p)?;
                }
                match max {
                    None => {
                        let split = p.insts.len();
                        p.insts.push(Inst::Split(split + 1, 0));
                        self.emit(node, p)?;
                        p.insts.push(Inst::Jmp(split));
                        let out = p.insts.len();
                        p.insts[split] = Inst::Split(split + 1, out);
                    }
                    Some(max) => {
                        let mut splits = Vec::new();
                        for _ in *min..*max {
                            splits.push(p.insts.len());
                            p.insts.push(Inst::Split(0, 0));
                            self.emit(node, p)?;
                        }
                        let out = p.insts.len();
                        for s in splits {
                            p.insts[s] = Inst::Split(s + 1, out);
                        }
                    }
                }
            }
            Node::Start => p.insts.push(Inst::Start),
            Node::End => p.insts.push(Inst::End),
            Node::LookBehind { negated, node } => {
                let mut sub = Prog::default();
                self.emit(node, &mut sub)?;
                sub.insts.push(Inst::Match);
                self.progs.push(sub);
                p.insts.push(Inst::LookBehind {
                    negated: *negated,
                    prog: self.progs.len() - 1,
                    min: min_len(node),
                    max: max_len(node).unwrap_or(0),
                });
            }
        }
        Ok(())
    }

    /// Whether the whole of `s` matches, as Java's `String.matches` answers.
    pub fn matches(&self, s: &str) -> bool {
        let mut chars = CHARS.with(|c| std::mem::take(&mut *c.borrow_mut()));
        chars.clear();
        chars.extend(s.chars());
        let found = self.run(0, &chars, 0, chars.len());
        CHARS.with(|c| *c.borrow_mut() = chars);
        found
    }

    /// Whether program `prog` matches `chars[start..end]` exactly (anchors and look-behinds
    /// still see the whole input).
    fn run(&self, prog: usize, chars: &[char], start: usize, end: usize) -> bool {
        // A look-behind runs inside a run, so buffers are taken from a pool, not borrowed.
        let (mut visited, mut stack) = SCRATCH.with(|s| s.borrow_mut().pop()).unwrap_or_default();
        let insts = &self.progs[prog].insts;
        // One bit per (instruction, position).
        visited.clear();
        visited.resize((insts.len() * (chars.len() + 1)).div_ceil(64), 0);
        stack.clear();
        stack.push((0usize, start));
        let found = self.search(insts, chars, end, &mut visited, &mut stack);
        SCRATCH.with(|s| s.borrow_mut().push((visited, stack)));
        found
    }

    fn search(
        &self,
        insts: &[Inst],
        chars: &[char],
        end: usize,
        visited: &mut [u64],
        stack: &mut Vec<(usize, usize)>,
    ) -> bool {
        let width = chars.len() + 1;
        while let Some((mut pc, mut pos)) = stack.pop() {
            loop {
                let key = pc * width + pos;
                let (word, bit) = (key / 64, 1u64 << (key % 64));
                if visited[word] & bit != 0 {
                    break;
                }
                visited[word] |= bit;
                match &insts[pc] {
                    Inst::Match => {
                        if pos == end {
                            return true;
                        }
                        break;
                    }
                    Inst::Char(set) => {
                        if pos < end && self.sets[*set].contains(chars[pos]) {
                            pc += 1;
                            pos += 1;
                        } else {
                            break;
                        }
                    }
                    Inst::Split(a, b) => {
                        stack.push((*b, pos));
                        pc = *a;
                    }
                    Inst::Jmp(a) => pc = *a,
                    Inst::Start => {
                        if pos == 0 {
                            pc += 1;
                        } else {
                            break;
                        }
                    }
                    Inst::End => {
                        if java_dollar(chars, pos) {
                            pc += 1;
                        } else {
                            break;
                        }
                    }
                    Inst::LookBehind {
                        negated,
                        prog,
                        min,
                        max,
                    } => {
                        let found = (*min..=*max)
                            .filter(|k| *k <= pos)
                            .any(|k| self.run(*prog, chars, pos - k, pos));
                        if found != *negated {
                            pc += 1;
                        } else {
                            break;
                        }
                    }
                }
            }
        }
        false
    }
}

thread_local! {
    /// Buffers of earlier matches, reused: the `pattern_dialect` target matches dozens of
    /// values per input, and under AddressSanitizer every allocation (with its stack trace)
    /// cost more than the match itself.
    static CHARS: RefCell<Vec<char>> = const { RefCell::new(Vec::new()) };
    /// Visited sets and backtracking stacks, one pair per run in progress.
    static SCRATCH: RefCell<Vec<(Vec<u64>, Vec<(usize, usize)>)>> =
        const { RefCell::new(Vec::new()) };
}

/// Java's `$` without MULTILINE or UNIX_LINES: at the end of input, or before a line terminator
/// that ends the input (`\r\n` counting as one).
fn java_dollar(chars: &[char], pos: usize) -> bool {
    let n = chars.len();
    let term = |c: char| matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}');
    if pos == n {
        return true;
    }
    if pos + 2 == n {
        return chars[pos] == '\r' && chars[pos + 1] == '\n';
    }
    if pos + 1 == n && term(chars[pos]) {
        // Not between the \r and \n of a final \r\n.
        return !(chars[pos] == '\n' && pos > 0 && chars[pos - 1] == '\r');
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        JavaRegex::new(p).unwrap().matches(s)
    }

    #[test]
    fn classes_and_shorthands() {
        assert!(m(r"[\w+]+", "abc_XYZ+09"));
        assert!(!m(r"[\w+]+", "é"));
        assert!(!m(r"[\w+]+", ""));
        assert!(m(r"[\S]+", "p@ss\u{A0}word"));
        assert!(!m(r"[\S]+", "a b"));
        assert!(!m(r"[\S]+", "a\u{0B}b"));
        assert!(m(r"[A-Za-z0-9-_+/=.]+", "-_+/=."));
        assert!(!m(r"[A-Za-z0-9-_+/=.]+", ":"));
        assert!(m(r"[\x21\x23-\x2E]+", "!#$."));
        assert!(!m(r"[\x21\x23-\x2E]+", "\""));
    }

    #[test]
    fn properties_and_negation() {
        let p = r"[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+";
        assert!(m(p, "abc"));
        assert!(!m(p, "_bc"));
        assert!(!m(p, "a b"));
        assert!(
            m(p, "\u{1}bc"),
            "a control character is not Z, so [^_\\p{{Z}}] takes it"
        );
    }

    #[test]
    fn dot_dollar_lookbehind_alternation() {
        assert!(m(r".*\{####\}.*", "code {####} here"));
        assert!(!m(r".*\{####\}.*", "a\u{2028}{####}"));
        assert!(m(r"(?s).*", "a\nb\u{2028}"));
        assert!(m(r"^[0-9A-Za-z\.\-_]*(?<!\.)$", "my-domain"));
        assert!(!m(r"^[0-9A-Za-z\.\-_]*(?<!\.)$", "my-domain."));
        assert!(m(r"^[0-9A-Za-z\.\-_]*(?<!\.)$", ""));
        assert!(
            !m(r"^[0-9a-f]+$", "ab\n"),
            "$ before a final newline, but not the whole input"
        );
        assert!(m(
            r"^(tkn|sso)[a-z0-9]{25}$",
            "tknabcdefghijklmnopqrstuvwxy"
        ));
        assert!(!m(r"^(tkn|sso)[a-z0-9]{25}$", "tknabc"));
        assert!(m(r"^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$", "a"));
        assert!(m(r"^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$", "a-b"));
        assert!(!m(r"^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$", "a-"));
        assert!(m(r"Level[1-4]", "Level3"));
        assert!(m("(arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?)?", ""));
    }

    #[test]
    fn unsupported_syntax_is_an_error() {
        for p in [
            r"[a-z&&[^q]]",
            r"(?<name>x)",
            r"\p{IsAlphabetic}",
            r"a*?",
            r"x{2,1}",
        ] {
            assert!(JavaRegex::new(p).is_err(), "{p}");
        }
    }

    #[test]
    fn long_inputs_stay_linear() {
        let p = JavaRegex::new(
            r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*\{##[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*##\}[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*",
        )
        .unwrap();
        let s = "{##".repeat(2000);
        assert!(!p.matches(&s));
    }
}
