//! Tokenizer and recursive-descent parser with byte spans, so that an error can put a caret
//! under the offending part of the input.
//!
//! Grammar (lowest precedence first):
//! ```text
//! sum     := product (('+' | '-') product)*
//! product := unary (('*' | '/') unary)*
//! unary   := ('-' | '+') unary | power
//! power   := atom ('^' unary)?          // right-associative; -x^2 = -(x^2); 2^-x is fine
//! atom    := number | name | name '(' sum (',' sum)* ')' | '(' sum ')'
//! ```

use std::fmt;
use std::ops::Range;

use super::{Expr, Func, Var};

/// Deepest tree the parser builds. Deeper input is refused before it can overflow a stack in
/// the parser or in the recursive passes after it (differentiation, printing, dropping); a
/// long chain `x+x+x+…` counts too, since it builds a tree as deep as it is long.
pub const MAX_DEPTH: usize = 200;

/// Longest input accepted, in bytes.
pub const MAX_INPUT_LEN: usize = 65_536;

/// What went wrong in a parse.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The input holds no expression.
    Empty,
    /// The input is longer than [`MAX_INPUT_LEN`].
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// A character that starts no token.
    UnexpectedChar(char),
    /// A token where another was expected.
    Unexpected {
        /// What was found (`end of input` at the end).
        found: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// Two operands side by side (`2x`, `x y`, `2(x + 1)`): a product needs `*`.
    MissingTimes {
        /// The two as written, for the hint (`2` and `x`).
        left: String,
        /// The second.
        right: String,
    },
    /// `**` (Python's power): the language writes powers with `^`.
    DoubleStar,
    /// An opening parenthesis that is never closed.
    UnclosedParen,
    /// A call of a function the language does not have.
    UnknownFunction {
        /// The name as written.
        name: String,
        /// The closest known name, if one is close.
        suggestion: Option<String>,
    },
    /// A name that is not a variable, constant or library function.
    UnknownVariable {
        /// The name as written.
        name: String,
        /// The closest known name, if one is close.
        suggestion: Option<String>,
    },
    /// A function name used without an argument list.
    MissingCall {
        /// The function's name.
        name: String,
    },
    /// A variable or constant followed by an argument list.
    NotAFunction {
        /// The name as written.
        name: String,
    },
    /// A call with the wrong number of arguments.
    WrongArity {
        /// The function's name.
        name: String,
        /// How many it takes.
        expected: usize,
        /// How many were given.
        found: usize,
    },
    /// The expression nests deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A number that does not fit in a float64.
    BadNumber {
        /// The number as written.
        text: String,
    },
}

/// A parse error with the byte span it concerns and the input, so that `Display` can draw a
/// caret under the position.
///
/// ```
/// let err = gradfield::expr::Expr::parse("tanhh(x)").unwrap_err();
/// let text = err.to_string();
/// assert!(text.contains("unknown function `tanhh`; did you mean `tanh`?"));
/// assert!(text.contains("  tanhh(x)\n  ^^^^^"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    /// What went wrong.
    pub kind: ParseErrorKind,
    /// Byte range of the input concerned (empty at the end of the input).
    pub span: Range<usize>,
    /// The input that was parsed.
    pub input: String,
}

impl ParseError {
    /// The message alone, without the input and caret.
    pub fn message(&self) -> String {
        match &self.kind {
            ParseErrorKind::Empty => "empty expression".to_string(),
            ParseErrorKind::TooLong { len } => {
                format!("expression is {len} bytes long; the limit is {MAX_INPUT_LEN}")
            }
            ParseErrorKind::UnexpectedChar(c) => format!("unexpected character `{c}`"),
            ParseErrorKind::Unexpected { found, expected } => {
                format!("expected {expected}, found {found}")
            }
            ParseErrorKind::MissingTimes { left, right } => {
                format!("a product needs `*`: write `{left}*{right}`")
            }
            ParseErrorKind::DoubleStar => "powers are written with `^` (x^2), not `**`".to_string(),
            ParseErrorKind::UnclosedParen => "this parenthesis is never closed".to_string(),
            ParseErrorKind::UnknownFunction { name, suggestion } => {
                with_suggestion(format!("unknown function `{name}`"), suggestion)
            }
            ParseErrorKind::UnknownVariable { name, suggestion } => with_suggestion(
                format!("unknown name `{name}` (variables are x and y; constants pi and e)"),
                suggestion,
            ),
            ParseErrorKind::MissingCall { name } => {
                format!("`{name}` is a function; call it as {name}(...)")
            }
            ParseErrorKind::NotAFunction { name } => format!("`{name}` is not a function"),
            ParseErrorKind::WrongArity {
                name,
                expected,
                found,
            } => format!(
                "`{name}` takes {expected} argument{}, found {found}",
                if *expected == 1 { "" } else { "s" }
            ),
            ParseErrorKind::TooDeep => {
                format!(
                    "expression nests too deeply (more than {MAX_DEPTH} levels; each term \
                     of a chain like a + b + c … counts as one)"
                )
            }
            ParseErrorKind::BadNumber { text } => {
                format!("number `{text}` is out of range for a float64")
            }
        }
    }
}

fn with_suggestion(msg: String, suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!("{msg}; did you mean `{s}`?"),
        None => msg,
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.message())?;
        // Show a window of the input around the span so a caret fits on a terminal line.
        let shown: String = self
            .input
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let start_col = self.input[..self.span.start.min(self.input.len())]
            .chars()
            .count();
        let end_col = self.input[..self.span.end.min(self.input.len())]
            .chars()
            .count();
        let width = (end_col - start_col).max(1);
        let (from, prefix) = if start_col > 60 {
            (start_col - 40, "…")
        } else {
            (0, "")
        };
        let line: String = shown.chars().skip(from).take(100).collect();
        let suffix = if shown.chars().count() > from + 100 {
            "…"
        } else {
            ""
        };
        writeln!(f, "  {prefix}{line}{suffix}")?;
        write!(
            f,
            "  {}{}",
            " ".repeat(start_col - from + prefix.chars().count()),
            "^".repeat(width.min(100))
        )
    }
}

impl std::error::Error for ParseError {}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Name(String),
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    LParen,
    RParen,
    Comma,
    End,
}

impl Tok {
    fn describe(&self, input: &str, span: &Range<usize>) -> String {
        match self {
            Tok::End => "end of input".to_string(),
            _ => format!("`{}`", &input[span.clone()]),
        }
    }
}

fn tokenize(input: &str) -> Result<Vec<(Tok, Range<usize>)>, ParseError> {
    let bytes = input.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    let err = |kind, span: Range<usize>| ParseError {
        kind,
        span,
        input: input.to_string(),
    };
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i < bytes.len() && bytes[i] == b'.' {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
            // An exponent only when digits follow, so that `2e` is `2` then the name `e`.
            if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
                let mut j = i + 1;
                if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
                    j += 1;
                } else if input[j..].starts_with('−') {
                    j += '−'.len_utf8(); // 1e−5, as the figures print it
                }
                if j < bytes.len() && bytes[j].is_ascii_digit() {
                    i = j;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let text = &input[start..i];
            let value: f64 = text.replace('−', "-").parse().map_err(|_| {
                err(
                    ParseErrorKind::BadNumber {
                        text: text.to_string(),
                    },
                    start..i,
                )
            })?;
            if !value.is_finite() {
                return Err(err(
                    ParseErrorKind::BadNumber {
                        text: text.to_string(),
                    },
                    start..i,
                ));
            }
            toks.push((Tok::Num(value), start..i));
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            toks.push((Tok::Name(input[start..i].to_string()), start..i));
            continue;
        }
        let tok = match c {
            b'+' => Tok::Plus,
            b'-' => Tok::Minus,
            b'*' => Tok::Star,
            b'/' => Tok::Slash,
            b'^' => Tok::Caret,
            b'(' => Tok::LParen,
            b')' => Tok::RParen,
            b',' => Tok::Comma,
            _ => {
                // The typographic forms gradfield's own figures print (−, ·, x²), and a few
                // more that are typed or pasted (×, ÷, π, –).
                let ch = input[start..].chars().next().unwrap_or('?');
                let one = |tok| Some(vec![(tok, start..start + ch.len_utf8())]);
                let toks_here = match ch {
                    '−' | '–' => one(Tok::Minus),
                    '·' | '×' | '⋅' | '∗' => one(Tok::Star),
                    '÷' | '∕' => one(Tok::Slash),
                    'π' => one(Tok::Name("pi".to_string())),
                    // A superscript power, or (None) a character that starts no token.
                    _ => superscript_power(input, start),
                };
                let Some(toks_here) = toks_here else {
                    return Err(err(
                        ParseErrorKind::UnexpectedChar(ch),
                        start..start + ch.len_utf8(),
                    ));
                };
                i = toks_here.last().map_or(start + ch.len_utf8(), |t| t.1.end);
                toks.extend(toks_here);
                continue;
            }
        };
        i += 1;
        toks.push((tok, start..i));
    }
    toks.push((Tok::End, input.len()..input.len()));
    Ok(toks)
}

/// The value of a superscript digit (`²` → 2).
fn superscript_digit(c: char) -> Option<u32> {
    "⁰¹²³⁴⁵⁶⁷⁸⁹".chars().position(|d| d == c).map(|k| k as u32)
}

/// A superscript exponent at `start` (`²`, `¹⁰`, `⁻¹`) as the tokens `^ 2` (`^ - 1`), each
/// spanning the characters it comes from; `None` where no superscript digit follows (a `⁻`
/// alone, or no superscript at all).
fn superscript_power(input: &str, start: usize) -> Option<Vec<(Tok, Range<usize>)>> {
    let rest = &input[start..];
    let minus = rest.starts_with('⁻');
    let digits_from = start + if minus { '⁻'.len_utf8() } else { 0 };
    let mut end = digits_from;
    let mut value = 0.0f64;
    for c in input[digits_from..].chars() {
        match superscript_digit(c) {
            Some(d) => {
                value = value * 10.0 + d as f64;
                end += c.len_utf8();
            }
            None => break,
        }
    }
    if end == digits_from {
        return None;
    }
    // The `^` spans the whole superscript, so that an error on it shows it.
    let mut toks = vec![(Tok::Caret, start..end)];
    if minus {
        toks.push((Tok::Minus, start..digits_from));
    }
    toks.push((Tok::Num(value), digits_from..end));
    Some(toks)
}

/// A subtree and its depth, tracked while parsing so that no recursive walk is needed to
/// enforce [`MAX_DEPTH`].
struct Parsed {
    expr: Expr,
    depth: usize,
}

struct Parser<'a> {
    input: &'a str,
    toks: Vec<(Tok, Range<usize>)>,
    pos: usize,
    /// Names beyond the language's own (the built-in library's, when the caller gives it).
    names: &'a dyn Names,
}

/// Names an expression may use beyond `x`, `y`, `pi` and `e`. The language knows none of its
/// own; [`crate::library`] supplies the built-in functions' names, so that the parser does
/// not depend on the library (which is written in the language).
pub trait Names {
    /// The expression a name stands for, if it is one of these names.
    fn lookup(&self, name: &str) -> Option<Expr>;
    /// Every name, for "did you mean" suggestions.
    fn all(&self) -> Vec<&str>;
}

/// No names beyond the language's own.
pub struct NoNames;

impl Names for NoNames {
    fn lookup(&self, _: &str) -> Option<Expr> {
        None
    }
    fn all(&self) -> Vec<&str> {
        Vec::new()
    }
}

/// Parses `input`; `names` says which names beyond the language's own it may use.
pub(crate) fn parse_with(input: &str, names: &dyn Names) -> Result<Expr, ParseError> {
    if input.len() > MAX_INPUT_LEN {
        return Err(ParseError {
            kind: ParseErrorKind::TooLong { len: input.len() },
            span: 0..0,
            input: input.chars().take(200).collect(),
        });
    }
    let toks = tokenize(input)?;
    let mut p = Parser {
        input,
        toks,
        pos: 0,
        names,
    };
    if p.peek() == &Tok::End {
        return Err(p.error(ParseErrorKind::Empty, 0..input.len()));
    }
    let parsed = p.sum(0)?;
    match p.peek() {
        Tok::End => Ok(parsed.expr),
        Tok::RParen => {
            let span = p.span();
            Err(p.error(
                ParseErrorKind::Unexpected {
                    found: "`)` without a matching `(`".to_string(),
                    expected: "an operator or the end of input",
                },
                span,
            ))
        }
        _ => Err(p.unexpected("an operator or the end of input")),
    }
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }

    fn span(&self) -> Range<usize> {
        self.toks[self.pos].1.clone()
    }

    fn bump(&mut self) -> (Tok, Range<usize>) {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn error(&self, kind: ParseErrorKind, span: Range<usize>) -> ParseError {
        ParseError {
            kind,
            span,
            input: self.input.to_string(),
        }
    }

    fn unexpected(&self, expected: &'static str) -> ParseError {
        let (tok, span) = &self.toks[self.pos];
        let before = self.pos.checked_sub(1).map(|k| &self.toks[k]);
        let operand = |t: &Tok| matches!(t, Tok::Num(_) | Tok::Name(_));
        match (before, tok) {
            (Some((b, bspan)), t)
                if (operand(b) || *b == Tok::RParen) && (operand(t) || *t == Tok::LParen) =>
            {
                return self.error(
                    ParseErrorKind::MissingTimes {
                        left: self.input[bspan.clone()].to_string(),
                        right: self.input[span.clone()].to_string(),
                    },
                    bspan.start..span.end,
                );
            }
            (Some((Tok::Star, bspan)), Tok::Star) => {
                return self.error(ParseErrorKind::DoubleStar, bspan.start..span.end);
            }
            _ => {}
        }
        self.error(
            ParseErrorKind::Unexpected {
                found: tok.describe(self.input, span),
                expected,
            },
            span.clone(),
        )
    }

    fn check_depth(&self, depth: usize, span: Range<usize>) -> Result<(), ParseError> {
        if depth > MAX_DEPTH {
            Err(self.error(ParseErrorKind::TooDeep, span))
        } else {
            Ok(())
        }
    }

    fn binary(
        &self,
        op: &Tok,
        a: Parsed,
        b: Parsed,
        span: Range<usize>,
    ) -> Result<Parsed, ParseError> {
        let depth = 1 + a.depth.max(b.depth);
        self.check_depth(depth, span)?;
        let (a, b) = (Box::new(a.expr), Box::new(b.expr));
        let expr = match op {
            Tok::Plus => Expr::Add(a, b),
            Tok::Minus => Expr::Sub(a, b),
            Tok::Star => Expr::Mul(a, b),
            Tok::Slash => Expr::Div(a, b),
            _ => Expr::Pow(a, b),
        };
        Ok(Parsed { expr, depth })
    }

    /// `nest` counts the recursion depth of the parser itself, which is bounded separately
    /// from the depth of the tree (`((((x))))` recurses without building depth).
    fn sum(&mut self, nest: usize) -> Result<Parsed, ParseError> {
        let mut acc = self.product(nest)?;
        while matches!(self.peek(), Tok::Plus | Tok::Minus) {
            let (op, span) = self.bump();
            let rhs = self.product(nest)?;
            acc = self.binary(&op, acc, rhs, span)?;
        }
        Ok(acc)
    }

    fn product(&mut self, nest: usize) -> Result<Parsed, ParseError> {
        let mut acc = self.unary(nest)?;
        while matches!(self.peek(), Tok::Star | Tok::Slash) {
            let (op, span) = self.bump();
            let rhs = self.unary(nest)?;
            acc = self.binary(&op, acc, rhs, span)?;
        }
        Ok(acc)
    }

    fn unary(&mut self, nest: usize) -> Result<Parsed, ParseError> {
        let span = self.span();
        self.check_depth(nest + 1, span.clone())?;
        match self.peek() {
            Tok::Minus => {
                self.bump();
                let inner = self.unary(nest + 1)?;
                // A minus directly on a number is that negative number, so that `x^-5` has
                // the integer exponent −5 (printed `x^(-5)`, it must parse back the same).
                // `-2^2` is unaffected: the minus applies to the power, not to the 2.
                if let Expr::Num(c) = inner.expr {
                    return Ok(Parsed {
                        expr: Expr::Num(-c),
                        depth: 1,
                    });
                }
                let depth = inner.depth + 1;
                self.check_depth(depth, span)?;
                Ok(Parsed {
                    expr: Expr::Neg(Box::new(inner.expr)),
                    depth,
                })
            }
            Tok::Plus => {
                self.bump();
                self.unary(nest + 1)
            }
            _ => self.power(nest),
        }
    }

    fn power(&mut self, nest: usize) -> Result<Parsed, ParseError> {
        let base = self.atom(nest)?;
        if self.peek() == &Tok::Caret {
            let (op, span) = self.bump();
            let exponent = self.unary(nest + 1)?;
            return self.binary(&op, base, exponent, span);
        }
        Ok(base)
    }

    fn atom(&mut self, nest: usize) -> Result<Parsed, ParseError> {
        let (tok, span) = self.toks[self.pos].clone();
        match tok {
            Tok::Num(v) => {
                self.bump();
                Ok(Parsed {
                    expr: Expr::Num(v),
                    depth: 1,
                })
            }
            Tok::LParen => {
                self.bump();
                let inner = self.sum(nest + 1)?;
                if self.peek() == &Tok::RParen {
                    self.bump();
                    Ok(inner)
                } else if self.peek() == &Tok::End {
                    Err(self.error(ParseErrorKind::UnclosedParen, span))
                } else {
                    Err(self.unexpected("`)`"))
                }
            }
            Tok::Name(name) => {
                self.bump();
                if self.peek() == &Tok::LParen {
                    self.call(&name, span, nest)
                } else {
                    self.name(&name, span)
                }
            }
            _ => Err(self.unexpected("a number, a name or `(`")),
        }
    }

    fn name(&self, name: &str, span: Range<usize>) -> Result<Parsed, ParseError> {
        let leaf = |expr| Ok(Parsed { expr, depth: 1 });
        match name {
            "x" => return leaf(Expr::Var(Var::X)),
            "y" => return leaf(Expr::Var(Var::Y)),
            "pi" => return leaf(Expr::Num(std::f64::consts::PI)),
            "e" => return leaf(Expr::Num(std::f64::consts::E)),
            _ => {}
        }
        // Function names win over the library entries of the same name (`sin`, `tanh`),
        // which only a whole input selects.
        if Func::from_name(name).is_some() || name == "pow" {
            return Err(self.error(
                ParseErrorKind::MissingCall {
                    name: name.to_string(),
                },
                span,
            ));
        }
        if let Some(expr) = self.names.lookup(name) {
            let depth = expr.depth();
            self.check_depth(depth, span)?;
            return Ok(Parsed { expr, depth });
        }
        let mut candidates: Vec<&str> = vec!["x", "y", "pi", "e"];
        candidates.extend(self.names.all());
        Err(self.error(
            ParseErrorKind::UnknownVariable {
                name: name.to_string(),
                suggestion: suggest(name, &candidates),
            },
            span,
        ))
    }

    fn call(&mut self, name: &str, span: Range<usize>, nest: usize) -> Result<Parsed, ParseError> {
        let func = Func::from_name(name);
        if func.is_none() && name != "pow" {
            if matches!(name, "x" | "y" | "pi" | "e") || self.names.lookup(name).is_some() {
                return Err(self.error(
                    ParseErrorKind::NotAFunction {
                        name: name.to_string(),
                    },
                    span,
                ));
            }
            let mut candidates: Vec<&str> = Func::ALL.iter().map(|f| f.name()).collect();
            candidates.push("pow");
            // Other spellings of the language's functions, then typos.
            let alias = match name {
                "ln" => Some("log"),
                "arcsin" => Some("asin"),
                "arccos" => Some("acos"),
                "arctan" => Some("atan"),
                "arctan2" => Some("atan2"),
                _ => None,
            };
            return Err(self.error(
                ParseErrorKind::UnknownFunction {
                    name: name.to_string(),
                    suggestion: alias
                        .map(str::to_string)
                        .or_else(|| suggest(name, &candidates)),
                },
                span,
            ));
        }
        let open = self.span();
        self.bump(); // `(`
        let mut args = vec![self.sum(nest + 1)?];
        loop {
            match self.peek() {
                Tok::Comma => {
                    self.bump();
                    args.push(self.sum(nest + 1)?);
                }
                Tok::RParen => {
                    self.bump();
                    break;
                }
                Tok::End => return Err(self.error(ParseErrorKind::UnclosedParen, open)),
                _ => return Err(self.unexpected("`,` or `)`")),
            }
        }
        let expected = func.map_or(2, Func::arity);
        if args.len() != expected {
            return Err(self.error(
                ParseErrorKind::WrongArity {
                    name: name.to_string(),
                    expected,
                    found: args.len(),
                },
                span.start..self.toks[self.pos.saturating_sub(1)].1.end,
            ));
        }
        let depth = 1 + args.iter().map(|a| a.depth).max().unwrap_or(0);
        self.check_depth(depth, span)?;
        let mut exprs: Vec<Expr> = args.into_iter().map(|a| a.expr).collect();
        let expr = match func {
            Some(f) => Expr::Call(f, exprs),
            None => {
                let b = exprs.pop().expect("two arguments");
                let a = exprs.pop().expect("two arguments");
                Expr::Pow(Box::new(a), Box::new(b))
            }
        };
        Ok(Parsed { expr, depth })
    }
}

/// The candidate closest to `name` by edit distance, if it is close enough to be a typo.
fn suggest(name: &str, candidates: &[&str]) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Expr, ParseError> {
        parse_with(s, &NoNames)
    }

    fn p(s: &str) -> Expr {
        parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn kind(s: &str) -> (ParseErrorKind, Range<usize>) {
        let e = parse(s).expect_err(s);
        (e.kind, e.span)
    }

    #[test]
    fn precedence_and_associativity_table() {
        // (input, x, expected value); each line pins one rule.
        let table: &[(&str, f64, f64)] = &[
            ("1 + 2 * 3", 0.0, 7.0),                // * over +
            ("(1 + 2) * 3", 0.0, 9.0),              // parentheses
            ("8 / 4 / 2", 0.0, 1.0),                // / left-associative
            ("8 - 4 - 2", 0.0, 2.0),                // - left-associative
            ("2 ^ 3 ^ 2", 0.0, 512.0),              // ^ right-associative
            ("-x^2", 3.0, -9.0),                    // ^ over unary minus
            ("(-x)^2", 3.0, 9.0),                   // unless parenthesised
            ("2^-1", 0.0, 0.5),                     // unary minus in an exponent
            ("-2^-2", 0.0, -0.25),                  // both
            ("--x", 3.0, 3.0),                      // double negation
            ("+x", 3.0, 3.0),                       // unary plus
            ("2 * -x", 3.0, -6.0),                  // unary minus after *
            ("x - -1", 3.0, 4.0),                   // and after -
            ("2*x^2", 3.0, 18.0),                   // ^ over *
            ("1/2*x", 4.0, 2.0),                    // (1/2)*x, not 1/(2*x)
            (".5 + 1e-3 + 2.5E2", 0.0, 250.501),    // number forms
            ("2e", 0.0, 2.0 * std::f64::consts::E), // `e` after a number is a name…
            ("pow(x, 3)", 2.0, 8.0),                // pow is ^
            ("atan2(1, x)", 1.0, std::f64::consts::FRAC_PI_4),
        ];
        for &(src, x, want) in table {
            if src == "2e" {
                // …which is an error, since there is no implicit multiplication.
                assert!(parse(src).is_err());
                continue;
            }
            let got = p(src).eval(x, 0.0);
            assert!((got - want).abs() < 1e-12, "{src}: {got} != {want}");
        }
    }

    #[test]
    fn errors_name_their_position() {
        assert_eq!(kind("").0, ParseErrorKind::Empty);
        assert_eq!(kind("x + $"), (ParseErrorKind::UnexpectedChar('$'), 4..5));
        assert_eq!(
            kind("sin(x +)"),
            (
                ParseErrorKind::Unexpected {
                    found: "`)`".into(),
                    expected: "a number, a name or `(`"
                },
                7..8
            )
        );
        assert_eq!(
            kind("x +"),
            (
                ParseErrorKind::Unexpected {
                    found: "end of input".into(),
                    expected: "a number, a name or `(`"
                },
                3..3
            )
        );
        assert_eq!(kind("(x + 1"), (ParseErrorKind::UnclosedParen, 0..1));
        assert_eq!(kind("sin(x"), (ParseErrorKind::UnclosedParen, 3..4));
        assert_eq!(
            kind("x + 1)").0,
            ParseErrorKind::Unexpected {
                found: "`)` without a matching `(`".into(),
                expected: "an operator or the end of input"
            }
        );
        assert_eq!(
            kind("2 * tanhh(x)"),
            (
                ParseErrorKind::UnknownFunction {
                    name: "tanhh".into(),
                    suggestion: Some("tanh".into())
                },
                4..9
            )
        );
        assert_eq!(
            kind("z + 1"),
            (
                ParseErrorKind::UnknownVariable {
                    name: "z".into(),
                    suggestion: Some("x".into())
                },
                0..1
            )
        );
        assert_eq!(
            kind("qqqqqq(x)").0,
            ParseErrorKind::UnknownFunction {
                name: "qqqqqq".into(),
                suggestion: None
            }
        );
        assert_eq!(
            kind("sin + 1"),
            (ParseErrorKind::MissingCall { name: "sin".into() }, 0..3)
        );
        assert_eq!(
            kind("x(2)"),
            (ParseErrorKind::NotAFunction { name: "x".into() }, 0..1)
        );
        assert_eq!(
            kind("atan2(x)"),
            (
                ParseErrorKind::WrongArity {
                    name: "atan2".into(),
                    expected: 2,
                    found: 1
                },
                0..8
            )
        );
        assert_eq!(
            kind("sin(x, y)").0,
            ParseErrorKind::WrongArity {
                name: "sin".into(),
                expected: 1,
                found: 2
            }
        );
        assert_eq!(
            kind("1e999"),
            (
                ParseErrorKind::BadNumber {
                    text: "1e999".into()
                },
                0..5
            )
        );
        assert_eq!(
            kind("x y"),
            (
                ParseErrorKind::MissingTimes {
                    left: "x".into(),
                    right: "y".into()
                },
                0..3
            )
        );
    }

    #[test]
    fn the_figures_typography_reads_back() {
        // What the figures print (pretty: −, ·, superscripts) and a few typed forms parse
        // as their ASCII spelling, so a title pasted into --f works.
        for (typed, ascii) in [
            ("(1 − x)² + 100·(y − x²)²", "(1 - x)^2 + 100*(y - x^2)^2"),
            ("0.3·sin(3·x) + 0.5·x²", "0.3*sin(3*x) + 0.5*x^2"),
            ("2×π÷x", "2*pi/x"),
            ("x⁻¹ + x¹⁰", "x^-1 + x^10"),
            ("1e−5·x – y", "1e-5*x - y"),
        ] {
            assert_eq!(p(typed), p(ascii), "{typed}");
        }
        // A superscript binds as ^ does: −x² is −(x²).
        assert_eq!(p("−x²"), p("-(x^2)"));
        assert_eq!(kind("x⁻").0, ParseErrorKind::UnexpectedChar('⁻'));
        assert_eq!(
            parse("²").unwrap_err().message(),
            "expected a number, a name or `(`, found `²`"
        );
        assert_eq!(p("x²²"), p("x^22"), "the whole exponent is one number");
    }

    #[test]
    fn common_slips_get_a_hint() {
        let msg = |s: &str| parse(s).unwrap_err().message();
        assert_eq!(msg("2x"), "a product needs `*`: write `2*x`");
        assert_eq!(msg("x y"), "a product needs `*`: write `x*y`");
        assert_eq!(msg("(x + 1)(x - 1)"), "a product needs `*`: write `)*(`");
        assert_eq!(msg("sin(2x)"), "a product needs `*`: write `2*x`");
        assert_eq!(kind("2x").1, 0..2);
        assert_eq!(msg("x**2"), "powers are written with `^` (x^2), not `**`");
        assert_eq!(msg("ln(x)"), "unknown function `ln`; did you mean `log`?");
        assert_eq!(
            msg("arctan(x)"),
            "unknown function `arctan`; did you mean `atan`?"
        );
    }

    #[test]
    fn caret_sits_under_the_error() {
        let e = parse("x * (y + )").unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected a number, a name or `(`, found `)`\n  x * (y + )\n           ^"
        );
        // Columns count characters, not bytes.
        let e = parse("x·y§").unwrap_err();
        assert_eq!(e.to_string().lines().nth(2), Some("     ^"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        // 100 000 levels are over the length limit before they are over the depth limit…
        let deep = format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000));
        assert_eq!(
            parse(&deep).unwrap_err().kind,
            ParseErrorKind::TooLong { len: 200_001 }
        );
        // …and the depth limit holds within the length limit.
        let deep = format!("{}x{}", "(".repeat(30_000), ")".repeat(30_000));
        assert_eq!(parse(&deep).unwrap_err().kind, ParseErrorKind::TooDeep);
        let calls = format!("{}x{}", "sin(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(parse(&calls).unwrap_err().kind, ParseErrorKind::TooDeep);
        let minus = format!("{}x", "-".repeat(100_000));
        assert_eq!(
            parse(&minus).unwrap_err().kind,
            ParseErrorKind::TooLong { len: 100_001 }
        );
        let minus = format!("{}x", "-".repeat(60_000));
        assert_eq!(parse(&minus).unwrap_err().kind, ParseErrorKind::TooDeep);
        let chain = format!("x{}", "+x".repeat(30_000));
        assert_eq!(parse(&chain).unwrap_err().kind, ParseErrorKind::TooDeep);
        let powers = format!("x{}", "^x".repeat(30_000));
        assert_eq!(parse(&powers).unwrap_err().kind, ParseErrorKind::TooDeep);
        // Within the limit is fine.
        let ok = format!("{}x{}", "(".repeat(150), ")".repeat(150));
        assert_eq!(p(&ok), Expr::Var(Var::X));
    }

    #[test]
    fn a_minus_on_a_number_is_a_negative_number() {
        assert_eq!(p("-5"), Expr::Num(-5.0));
        assert_eq!(
            p("x^-5"),
            Expr::Pow(Box::new(Expr::Var(Var::X)), Box::new(Expr::Num(-5.0)))
        );
        assert_eq!(p("-2^2").eval(0.0, 0.0), -4.0);
        // Found by fuzzing: a printed derivative with a negative integer power parses back to
        // the same function, bit for bit.
        let f = p("3+tanh(6*x)^-04");
        let d = f.derivative(Var::X);
        let back = p(&d.to_string());
        assert_eq!(
            back.eval(0.5, -0.25).to_bits(),
            d.eval(0.5, -0.25).to_bits()
        );
    }

    #[test]
    fn names_come_from_the_caller() {
        struct One;
        impl Names for One {
            fn lookup(&self, name: &str) -> Option<Expr> {
                (name == "bowl").then(|| p("x^2 + y^2"))
            }
            fn all(&self) -> Vec<&str> {
                vec!["bowl"]
            }
        }
        assert_eq!(parse_with("bowl + 1", &One).unwrap().eval(1.0, 2.0), 6.0);
        assert!(parse_with("bowl", &NoNames).is_err());
        let e = parse_with("bowel", &One).unwrap_err();
        assert!(e.to_string().contains("bowl"), "{e}");
        assert!(parse_with("bowl(x)", &One).is_err());
    }
}
