//! A lexer for the common shapes of Rust source, producing the very tokens (kinds, text,
//! spacing and spans) that `proc_macro2` lexes from the same text, with about a third fewer
//! instructions when both are compiled without optimizations, as cargo compiles build-script
//! dependencies (lexing is a third of the check's work there).
//!
//! `proc_macro2` makes a span with a line and column only by lexing text, so the file is handed
//! to it as one raw string literal (a fast scan), on a line of its own after the opening quote:
//! every token's span is a subspan of that literal, one line below the token's place in the
//! file (see [`Shift`]). Whatever this lexer does not handle (a raw string, a byte or C string,
//! a raw identifier, a non-ASCII identifier, a carriage return, a block doc comment, a lexing
//! error, ...) makes it give up on the whole file, which is then lexed by `proc_macro2` itself:
//! the result never depends on which lexer ran.

use std::str::FromStr;

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// How many lines the spans of a file's tokens lie below the file's own lines: 1 for a file this
/// lexer read, 0 for one `proc_macro2` read. A span on line 1 of a shifted file can only be
/// `Span::call_site()`, which is not shifted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shift(pub(crate) usize);

impl Shift {
    /// The line and column of `span`'s start (or end) in the file.
    pub(crate) fn place(self, at: proc_macro2::LineColumn) -> (usize, usize) {
        if at.line > self.0 {
            (at.line - self.0, at.column)
        } else {
            (at.line, at.column)
        }
    }
}

/// Punctuation characters, as `proc_macro2` recognizes them.
fn is_punct(b: u8) -> bool {
    matches!(
        b,
        b'~' | b'!'
            | b'@'
            | b'#'
            | b'$'
            | b'%'
            | b'^'
            | b'&'
            | b'*'
            | b'-'
            | b'='
            | b'+'
            | b'|'
            | b';'
            | b':'
            | b','
            | b'<'
            | b'.'
            | b'>'
            | b'/'
            | b'?'
            | b'\''
    )
}

/// The tokens of a whole file, or `None` to leave the file to `proc_macro2`.
pub(crate) fn tokens(text: &str) -> Option<TokenStream> {
    // `syn::parse_file` strips these before lexing; leave them to it.
    if text.starts_with('\u{feff}') || text.starts_with("#!") || text.contains('\r') {
        return None;
    }
    let hashes = raw_hashes(text)?;
    let mut source = String::with_capacity(text.len() + 2 * hashes + 4);
    source.push('r');
    source.extend(std::iter::repeat_n('#', hashes));
    source.push_str("\"\n");
    source.push_str(text);
    source.push('"');
    source.extend(std::iter::repeat_n('#', hashes));
    let mut trees = TokenStream::from_str(&source).ok()?.into_iter();
    let (Some(TokenTree::Literal(file)), None) = (trees.next(), trees.next()) else {
        return None;
    };
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        file,
        base: hashes + 3,
        at: 0,
        chars: 0,
        ascii: text.is_ascii(),
    };
    lexer.stream()
}

/// The number of `#` that make `r#..#"` .. `"#..#` hold `text`: one more than any run of `#`
/// after a quote in it.
fn raw_hashes(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut longest = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            let run = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
            longest = longest.max(run);
            i += run;
        }
        i += 1;
    }
    // `proc_macro2` accepts at most 255 (rust-lang/rust#95251).
    (longest < 255).then_some(longest + 1)
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// The file as one literal: the source of every span.
    file: Literal,
    /// Characters before the file's first one in that literal.
    base: usize,
    /// Byte offset of `chars`, the character offset last computed.
    at: usize,
    chars: usize,
    ascii: bool,
}

impl Lexer<'_> {
    fn stream(&mut self) -> Option<TokenStream> {
        // Open groups: delimiter, character offset of the opening delimiter, enclosing tokens.
        let mut stack: Vec<(Delimiter, usize, Vec<TokenTree>)> = Vec::new();
        let mut out: Vec<TokenTree> = Vec::new();
        let mut i = 0;
        loop {
            i = self.skip_whitespace(i)?;
            let Some(&first) = self.bytes.get(i) else {
                return stack.is_empty().then(|| out.into_iter().collect());
            };
            if first == b'/' && self.doc_comment(&mut i, &mut out)? {
                continue;
            }
            match first {
                b'(' | b'[' | b'{' => {
                    // Rustc's `(/*ERROR*/)` is a literal to `proc_macro2`.
                    if self.text[i..].starts_with("(/*ERROR*/)") {
                        return None;
                    }
                    let delimiter = match first {
                        b'(' => Delimiter::Parenthesis,
                        b'[' => Delimiter::Bracket,
                        _ => Delimiter::Brace,
                    };
                    let lo = self.char_offset(i);
                    stack.push((delimiter, lo, std::mem::take(&mut out)));
                    i += 1;
                }
                b')' | b']' | b'}' => {
                    let (delimiter, lo, outer) = stack.pop()?;
                    let matches = matches!(
                        (delimiter, first),
                        (Delimiter::Parenthesis, b')')
                            | (Delimiter::Bracket, b']')
                            | (Delimiter::Brace, b'}')
                    );
                    if !matches {
                        return None;
                    }
                    i += 1;
                    let hi = self.char_offset(i);
                    let inner = std::mem::replace(&mut out, outer);
                    let mut group = Group::new(delimiter, inner.into_iter().collect());
                    group.set_span(self.file.subspan(self.base + lo..self.base + hi)?);
                    out.push(TokenTree::Group(group));
                }
                _ => {
                    let (end, mut tree) = self.leaf(i)?;
                    tree.set_span(self.span(i, end)?);
                    out.push(tree);
                    i = end;
                }
            }
        }
    }

    /// The span of bytes `lo..hi` of the file, `lo` at or after every offset asked before.
    fn span(&mut self, lo: usize, hi: usize) -> Option<Span> {
        let lo = self.char_offset(lo);
        let hi = self.char_offset(hi);
        self.file.subspan(self.base + lo..self.base + hi)
    }

    /// Spans count characters. Offsets are asked in increasing order, so counting resumes
    /// where it stopped.
    fn char_offset(&mut self, byte: usize) -> usize {
        if self.ascii {
            return byte;
        }
        let continuation = self.bytes[self.at..byte]
            .iter()
            .filter(|&&b| b & 0xc0 == 0x80)
            .count();
        self.chars += byte - self.at - continuation;
        self.at = byte;
        self.chars
    }

    /// Skips whitespace and comments other than doc comments; `None` on what this lexer
    /// leaves to `proc_macro2`.
    fn skip_whitespace(&self, mut i: usize) -> Option<usize> {
        let b = self.bytes;
        while let Some(&byte) = b.get(i) {
            match byte {
                b' ' | b'\t' | b'\n' | 0x0b | 0x0c => i += 1,
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    let doc = (b.get(i + 2) == Some(&b'/') && b.get(i + 3) != Some(&b'/'))
                        || b.get(i + 2) == Some(&b'!');
                    if doc {
                        return Some(i);
                    }
                    i = self.line_end(i);
                }
                b'/' if b.get(i + 1) == Some(&b'*') => {
                    // `/**/` and `/***...` are plain comments; `/** ..*/` and `/*! ..*/` are
                    // block doc comments, left to `proc_macro2`.
                    let plain = b[i..].starts_with(b"/**/")
                        || b[i..].starts_with(b"/***")
                        || !(b.get(i + 2) == Some(&b'*') || b.get(i + 2) == Some(&b'!'));
                    if !plain {
                        return None;
                    }
                    i = self.block_comment_end(i)?;
                }
                b if b.is_ascii() => return Some(i),
                // Non-ASCII whitespace (or anything else) at token level.
                _ => return None,
            }
        }
        Some(i)
    }

    fn line_end(&self, i: usize) -> usize {
        self.bytes[i..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.bytes.len(), |n| i + n)
    }

    /// The end of the (nested) block comment starting at `i`, as `proc_macro2` finds it.
    fn block_comment_end(&self, i: usize) -> Option<usize> {
        let b = &self.bytes[i..];
        let mut depth = 0usize;
        let mut j = 0;
        while j + 1 < b.len() {
            if b[j] == b'/' && b[j + 1] == b'*' {
                depth += 1;
                j += 1;
            } else if b[j] == b'*' && b[j + 1] == b'/' {
                depth -= 1;
                if depth == 0 {
                    return Some(i + j + 2);
                }
                j += 1;
            }
            j += 1;
        }
        None
    }

    /// `/// text` or `//! text` at `i`, as the tokens of `#[doc = " text"]` (`#![...]`), all
    /// spanning the comment. `Some(false)` if there is none at `i`.
    fn doc_comment(&mut self, i: &mut usize, out: &mut Vec<TokenTree>) -> Option<bool> {
        let b = self.bytes;
        let inner = match (b.get(*i), b.get(*i + 1), b.get(*i + 2)) {
            (Some(b'/'), Some(b'/'), Some(b'!')) => true,
            (Some(b'/'), Some(b'/'), Some(b'/')) if b.get(*i + 3) != Some(&b'/') => false,
            _ => return Some(false),
        };
        let end = self.line_end(*i);
        let comment = &self.text[*i + 3..end];
        let span = self.span(*i, end)?;
        let punct = |ch| {
            let mut p = Punct::new(ch, Spacing::Alone);
            p.set_span(span);
            TokenTree::Punct(p)
        };
        out.push(punct('#'));
        if inner {
            out.push(punct('!'));
        }
        let mut literal = Literal::string(comment);
        literal.set_span(span);
        let doc = [
            TokenTree::Ident(Ident::new("doc", span)),
            punct('='),
            TokenTree::Literal(literal),
        ];
        let mut group = Group::new(Delimiter::Bracket, doc.into_iter().collect());
        group.set_span(span);
        out.push(TokenTree::Group(group));
        *i = end;
        Some(true)
    }

    /// A literal, punctuation or identifier starting at `i`, with its end; `proc_macro2`
    /// tries them in that order.
    fn leaf(&self, i: usize) -> Option<(usize, TokenTree)> {
        let b = self.bytes;
        let first = b[i];
        let next = b.get(i + 1).copied();
        let literal = match first {
            b'"' => Some(self.string(i)?),
            // Raw strings and identifiers, byte and C strings.
            b'r' | b'b' | b'c' if matches!(next, Some(b'"' | b'#' | b'\'')) => return None,
            b'b' | b'c' if next == Some(b'r') && matches!(b.get(i + 2), Some(b'"' | b'#')) => {
                return None
            }
            b'\'' => self.character(i),
            b'0'..=b'9' => Some(self.number(i)?),
            _ => None,
        };
        if let Some((end, cheap)) = literal {
            let text = &self.text[i..end];
            let literal = if cheap {
                Literal::string(&text[1..text.len() - 1])
            } else {
                Literal::from_str(text).ok()?
            };
            return Some((end, TokenTree::Literal(literal)));
        }
        if is_punct(first) {
            if first == b'\'' {
                // A lifetime's quote, if an identifier follows and no quote after it.
                let end = self.ident_end(i + 1)?;
                if matches!(b.get(end), Some(b'\'' | b'#')) {
                    return None;
                }
                return Some((i + 1, TokenTree::Punct(Punct::new('\'', Spacing::Joint))));
            }
            let spacing = match next {
                Some(b'/') if matches!(b.get(i + 2), Some(b'/' | b'*')) => Spacing::Alone,
                Some(n) if is_punct(n) => Spacing::Joint,
                _ => Spacing::Alone,
            };
            return Some((i + 1, TokenTree::Punct(Punct::new(first as char, spacing))));
        }
        let end = self.ident_end(i)?;
        Some((
            end,
            TokenTree::Ident(Ident::new(&self.text[i..end], Span::call_site())),
        ))
    }

    /// The end of an ASCII identifier at `i`; `None` if there is none, or a non-ASCII
    /// character continues it.
    fn ident_end(&self, i: usize) -> Option<usize> {
        let b = self.bytes;
        match b.get(i) {
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {}
            _ => return None,
        }
        let mut end = i + 1;
        while let Some(&c) = b.get(end) {
            if c.is_ascii_alphanumeric() || c == b'_' {
                end += 1;
            } else if c.is_ascii() {
                break;
            } else {
                return None;
            }
        }
        Some(end)
    }

    /// A literal's suffix (`"x"suffix`, `1u8`): an identifier, if one follows.
    fn suffix(&self, end: usize) -> Option<usize> {
        match self.bytes.get(end) {
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => self.ident_end(end),
            Some(c) if !c.is_ascii() => None,
            _ => Some(end),
        }
    }

    /// `"..."`: its end, and whether `Literal::string` of its contents writes it back as is.
    fn string(&self, i: usize) -> Option<(usize, bool)> {
        let b = self.bytes;
        let mut j = i + 1;
        let mut plain = true;
        loop {
            match *b.get(j)? {
                b'"' => break,
                b'\\' => {
                    plain = false;
                    j += 1;
                    match *b.get(j)? {
                        b'n' | b'r' | b't' | b'\\' | b'\'' | b'"' | b'0' => {}
                        b'x' => {
                            let (hi, lo) = (*b.get(j + 1)?, *b.get(j + 2)?);
                            if !matches!(hi, b'0'..=b'7') || !lo.is_ascii_hexdigit() {
                                return None;
                            }
                            j += 2;
                        }
                        // `\u{..}`, and line continuations: left to `proc_macro2`.
                        _ => return None,
                    }
                }
                c => plain &= (b' '..=b'~').contains(&c),
            }
            j += 1;
        }
        let end = j + 1;
        let suffixed = self.suffix(end)?;
        Some((suffixed, plain && suffixed == end))
    }

    /// `'c'` or a simple escape; `None` if this is not a character literal (a lifetime, say).
    fn character(&self, i: usize) -> Option<(usize, bool)> {
        let b = self.bytes;
        let mut j = i + 1;
        match *b.get(j)? {
            b'\\' => {
                match *b.get(j + 1)? {
                    b'n' | b'r' | b't' | b'\\' | b'0' | b'\'' | b'"' => {}
                    _ => return None,
                }
                j += 2;
            }
            b'\'' | b'\n' | b'\t' => return None,
            c if c.is_ascii() => j += 1,
            _ => return None,
        }
        if b.get(j) != Some(&b'\'') {
            return None;
        }
        Some((self.suffix(j + 1)?, false))
    }

    /// An integer or float literal, as `proc_macro2` delimits it: a float if it can be one.
    fn number(&self, i: usize) -> Option<(usize, bool)> {
        let end = match self.float(i) {
            Some(end) => end,
            None => self.int(i)?,
        };
        // `word_break`: no identifier character may follow.
        match self.bytes.get(end) {
            Some(c) if c.is_ascii_alphanumeric() || *c == b'_' || !c.is_ascii() => None,
            _ => Some((end, false)),
        }
    }

    /// `proc_macro2::parse::float_digits` and its suffix.
    fn float(&self, i: usize) -> Option<usize> {
        let b = self.bytes;
        let mut len = 1;
        let mut has_dot = false;
        let mut has_exp = false;
        while let Some(&c) = b.get(i + len) {
            match c {
                b'0'..=b'9' | b'_' => len += 1,
                b'.' => {
                    if has_dot {
                        break;
                    }
                    match b.get(i + len + 1) {
                        Some(&n) if n == b'.' || n.is_ascii_alphabetic() || n == b'_' => {
                            return None
                        }
                        Some(&n) if !n.is_ascii() => return None,
                        _ => {}
                    }
                    len += 1;
                    has_dot = true;
                }
                b'e' | b'E' => {
                    len += 1;
                    has_exp = true;
                    break;
                }
                _ => break,
            }
        }
        if !(has_dot || has_exp) {
            return None;
        }
        if has_exp {
            let before_exp = has_dot.then_some(i + len - 1);
            let mut has_sign = false;
            let mut has_value = false;
            while let Some(&c) = b.get(i + len) {
                match c {
                    b'+' | b'-' => {
                        if has_value {
                            break;
                        }
                        if has_sign {
                            return before_exp.and_then(|end| self.suffix(end));
                        }
                        len += 1;
                        has_sign = true;
                    }
                    b'0'..=b'9' => {
                        len += 1;
                        has_value = true;
                    }
                    b'_' => len += 1,
                    _ => break,
                }
            }
            if !has_value {
                return before_exp.and_then(|end| self.suffix(end));
            }
        }
        self.suffix(i + len)
    }

    /// `proc_macro2::parse::digits` and its suffix.
    fn int(&self, i: usize) -> Option<usize> {
        let b = self.bytes;
        let (base, mut j) = match (b[i], b.get(i + 1)) {
            (b'0', Some(b'x')) => (16, i + 2),
            (b'0', Some(b'o')) => (8, i + 2),
            (b'0', Some(b'b')) => (2, i + 2),
            _ => (10, i),
        };
        let mut empty = true;
        while let Some(&c) = b.get(j) {
            let digit = match c {
                b'0'..=b'9' => u32::from(c - b'0'),
                b'a'..=b'f' => 10 + u32::from(c - b'a'),
                b'A'..=b'F' => 10 + u32::from(c - b'A'),
                b'_' => {
                    if empty && base == 10 {
                        return None;
                    }
                    j += 1;
                    continue;
                }
                _ => break,
            };
            if digit >= base {
                if c.is_ascii_digit() {
                    return None;
                }
                break;
            }
            j += 1;
            empty = false;
        }
        if empty {
            return None;
        }
        self.suffix(j)
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    /// Every token as `kind text spacing start-end`, groups flattened with their delimiters.
    fn flat(stream: TokenStream, shift: Shift, out: &mut Vec<String>) {
        for tree in stream {
            let span = tree.span();
            let (start, end) = (shift.place(span.start()), shift.place(span.end()));
            let text = match &tree {
                TokenTree::Group(g) => {
                    out.push(format!("open {:?} {start:?}-{end:?}", g.delimiter()));
                    flat(g.stream(), shift, out);
                    format!("close {:?}", g.delimiter())
                }
                TokenTree::Punct(p) => format!("punct {} {:?}", p.as_char(), p.spacing()),
                TokenTree::Ident(i) => format!("ident {i}"),
                TokenTree::Literal(l) => format!("literal {l}"),
            };
            out.push(format!("{text} {start:?}-{end:?}"));
        }
    }

    /// Whether this lexer gives `proc_macro2`'s tokens for `text`, or declines it.
    fn same(text: &str) -> Result<bool, String> {
        let Some(ours) = tokens(text) else {
            return Ok(false);
        };
        let theirs = TokenStream::from_str(text).map_err(|e| format!("accepted: {e}"))?;
        let (mut a, mut b) = (Vec::new(), Vec::new());
        flat(ours, Shift(1), &mut a);
        flat(theirs, Shift(0), &mut b);
        match a.iter().zip(&b).find(|(x, y)| x != y) {
            Some((x, y)) => Err(format!("ours `{x}`, proc_macro2 `{y}`")),
            None if a.len() != b.len() => Err(format!("{} tokens, not {}", a.len(), b.len())),
            None => Ok(true),
        }
    }

    #[test]
    fn snippets() {
        let lexed = [
            "",
            "use a::b as c;\n/// Doc \"quoted\" \\ é.\n//! Inner.\n//// plain\n#[derive(Module)] struct S;",
            "fn f<'a>(x: &'a str) -> char { let c = 'x'; let d = '\\n'; 'outer: loop { break 'outer; } }",
            "const X: [u8; 3] = [0x1f, 0b10, 0o7]; let y = 1.5e-3f64 + 2. + 3e4 + 1_000u32 + x.0.1;",
            "let r = 0..10; let s = 1..=2; a.0; 1.foo(); x /* c /* nested */ */ += 1; y //\n -= 2;",
            "s = \"tab\\t quote\\\" x\\x41 \\0\"suffix; t = \"naïve ☃\"; /**/ /*** c */ a=/*x*/b;",
            "m!{ $x:ident => $($y),* } #![allow(x)] #[cfg(any(unix, feature = \"x-y\"))] mod m;",
        ];
        for text in lexed {
            assert_eq!(same(text), Ok(true), "{text}");
        }
        let declined = [
            "r\"raw\"",
            "let r#type = 1;",
            "b\"bytes\"",
            "b'x'",
            "c\"c\"",
            "/** block doc */ struct S;",
            "/*! inner block doc */",
            "let x = \"\\u{41}\";",
            "let é = 1;",
            "fn f() {\r\n}",
            "#!/bin/shebang\nfn f() {}",
            "\u{feff}fn f() {}",
            "fn f() { (",
            "fn f() )",
            "let x = 0b102;",
            "'1",
        ];
        for text in declined {
            assert_eq!(same(text), Ok(false), "{text}");
        }
    }

    /// This crate's sources and test fixtures, and every `.rs` file under
    /// `$MODULE_REGISTRY_LEX_CORPUS` if set (say, `~/.cargo/registry/src`).
    #[test]
    fn files() {
        let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()];
        dirs.extend(std::env::var_os("MODULE_REGISTRY_LEX_CORPUS").map(PathBuf::from));
        let (mut lexed, mut declined) = (0, 0);
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for path in entries.flatten().map(|e| e.path()) {
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let Ok(text) = std::fs::read_to_string(&path) else {
                        continue;
                    };
                    match same(&text) {
                        Ok(true) => lexed += 1,
                        Ok(false) => declined += 1,
                        Err(e) => panic!("{}: {e}", path.display()),
                    }
                }
            }
        }
        println!("{lexed} files lexed, {declined} left to proc_macro2");
        assert!(lexed > declined);
    }
}
