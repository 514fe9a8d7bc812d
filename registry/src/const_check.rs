//! `depends_on = [Storage = "^2"]` checked by const evaluation, so an unsatisfied requirement is
//! a compile error in the dependent crate even without the build check (SPEC §6).
//!
//! The derive emits, spanned on the requirement literal:
//!
//! ```text
//! const _: () = ::module_registry::__private::check_requirement(
//!     "cache", "^2", <Storage as ::module_registry::__private::Module>::DESCRIPTOR);
//! ```
//!
//! A `const` may read `&'static` data in statics (Rust 1.83), and `DESCRIPTOR` is a reference to
//! the dependency's static: no const refers to another const, so modules that depend on each
//! other do not make a const cycle (rustc's E0391). The matcher below follows the `semver`
//! crate's `VersionReq::matches` exactly; the tests compare the two over a grid of inputs.

use crate::__private::{descriptor, version};
use crate::descriptor::{Location, ModuleDescriptor, ModuleType, Version};
use crate::module::Module;

/// Fails const evaluation when `dep`'s version does not satisfy `req`, with a message such as
/// ``module `cache` requires `storage` ^2, but `storage` is 1.2.0``.
///
/// `req` was validated by the derive with `semver::VersionReq::parse`.
#[track_caller]
pub const fn check_requirement(module: &str, req: &str, dep: &ModuleDescriptor) {
    // The stub of a module whose own derive failed: that error is already reported.
    if is_stub(dep) || matches(req, &dep.version) {
        return;
    }
    let mut msg = Message::new();
    msg.push("module `");
    msg.push(module);
    msg.push("` requires `");
    msg.push(dep.name);
    msg.push("` ");
    msg.push(req);
    msg.push(", but `");
    msg.push(dep.name);
    msg.push("` is ");
    msg.version(&dep.version);
    panic!("{}", msg.as_str());
}

/// The descriptor the derive's fallback gives a module with errors, so that the rest of the
/// crate still type-checks; it is never placed in the registry.
pub const fn stub<T: Module>(name: &'static str, location: Location) -> ModuleDescriptor {
    descriptor::<T>(
        name,
        version(0, 0, 0, "", ""),
        ModuleType::Service,
        &[],
        &[],
        &[],
        &[],
        "",
        STUB_TYPE_NAME,
        location,
    )
}

/// No real descriptor has this type name: the derive writes `module_path!()::Type`.
const STUB_TYPE_NAME: &str = "";

const fn is_stub(d: &ModuleDescriptor) -> bool {
    d.type_name.len() == STUB_TYPE_NAME.len()
}

/// `semver::VersionReq::parse(req).matches(v)`, for any `req` that parses. On text that does
/// not parse the result is unspecified, but evaluation always ends without panicking.
pub(crate) const fn matches(req: &str, v: &Version) -> bool {
    matches_ver(
        req,
        &Ver {
            major: v.major,
            minor: v.minor,
            patch: v.patch,
            pre: v.pre.as_bytes(),
        },
    )
}

/// [`matches`] for a `semver::Version`: what the dynamic registry tests a requirement with, on
/// its text, without building a `semver::VersionReq` (an allocation per requirement).
pub(crate) fn matches_semver(req: &str, v: &semver::Version) -> bool {
    matches_ver(
        req,
        &Ver {
            major: v.major,
            minor: v.minor,
            patch: v.patch,
            pre: v.pre.as_str().as_bytes(),
        },
    )
}

/// Whether `req` is one comparator of the common shapes, `^1.2`, `1.2.3`, `>=0.5`, `~1`, `=2.0.1`:
/// an optional operator, then one to three dot-separated numbers without leading zeros or
/// spaces, and nothing else. Every such text parses with `semver::VersionReq::parse` (tested
/// below), so a caller may skip that parse; anything else must go through it.
pub(crate) fn is_simple_requirement(req: &str) -> bool {
    let b = req.as_bytes();
    let mut i = match b {
        [b'>' | b'<', b'=', ..] => 2,
        [b'=' | b'>' | b'<' | b'~' | b'^', ..] => 1,
        _ => 0,
    };
    for part in 0..3 {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        // 1 to 19 digits always fit a `u64`; no leading zero.
        let digits = i - start;
        if digits == 0 || digits > 19 || (digits > 1 && b[start] == b'0') {
            return false;
        }
        if i == b.len() {
            return true;
        }
        if b[i] != b'.' || part == 2 {
            return false;
        }
        i += 1;
    }
    false
}

/// A version as the matchers read it.
struct Ver<'a> {
    major: u64,
    minor: u64,
    patch: u64,
    pre: &'a [u8],
}

const fn matches_ver(req: &str, v: &Ver<'_>) -> bool {
    let b = req.as_bytes();
    let mut i = skip_spaces(b, 0);
    if i < b.len() && is_wildcard(b[i]) {
        // `*`, `x` or `X` alone: no comparators, so every version without a pre-release.
        return v.pre.is_empty();
    }
    let mut all_match = true;
    let mut pre_allowed = v.pre.is_empty();
    loop {
        let Some((cmp, next)) = comparator(b, i) else {
            return false;
        };
        all_match = all_match && matches_comparator(&cmp, v);
        pre_allowed = pre_allowed || pre_is_compatible(&cmp, v);
        if next >= b.len() {
            return all_match && pre_allowed;
        }
        if b[next] != b',' {
            return false;
        }
        // `next` only grows: each comparator consumes at least its major version's digits.
        i = skip_spaces(b, next + 1);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Exact,
    Greater,
    GreaterEq,
    Less,
    LessEq,
    Tilde,
    Caret,
    Wildcard,
}

struct Comparator<'a> {
    op: Op,
    major: u64,
    minor: Option<u64>,
    patch: Option<u64>,
    pre: &'a [u8],
}

/// One comparator starting at `i` (after leading spaces), and the index after it and its
/// trailing spaces; mirrors `semver`'s `parse::comparator`.
const fn comparator(b: &[u8], start: usize) -> Option<(Comparator<'_>, usize)> {
    let i = start;
    let (mut op, mut i) = match byte(b, i) {
        Some(b'=') => (Op::Exact, i + 1),
        Some(b'>') if matches!(byte(b, i + 1), Some(b'=')) => (Op::GreaterEq, i + 2),
        Some(b'>') => (Op::Greater, i + 1),
        Some(b'<') if matches!(byte(b, i + 1), Some(b'=')) => (Op::LessEq, i + 2),
        Some(b'<') => (Op::Less, i + 1),
        Some(b'~') => (Op::Tilde, i + 1),
        Some(b'^') => (Op::Caret, i + 1),
        _ => (Op::Caret, i),
    };
    let default_op = i == start;
    i = skip_spaces(b, i);
    let Some((major, next)) = number(b, i) else {
        return None;
    };
    i = next;
    let mut minor = None;
    let mut patch = None;
    let mut wildcard = false;
    if matches!(byte(b, i), Some(b'.')) {
        i += 1;
        if matches!(byte(b, i), Some(c) if is_wildcard(c)) {
            wildcard = true;
            i += 1;
        } else {
            let Some((n, next)) = number(b, i) else {
                return None;
            };
            minor = Some(n);
            i = next;
        }
        if matches!(byte(b, i), Some(b'.')) {
            i += 1;
            if matches!(byte(b, i), Some(c) if is_wildcard(c)) {
                wildcard = true;
                i += 1;
            } else if wildcard {
                return None;
            } else {
                let Some((n, next)) = number(b, i) else {
                    return None;
                };
                patch = Some(n);
                i = next;
            }
        }
    }
    if wildcard && default_op {
        op = Op::Wildcard;
    }
    let mut pre: &[u8] = &[];
    if patch.is_some() && matches!(byte(b, i), Some(b'-')) {
        let start = i + 1;
        i = identifier_end(b, start);
        pre = b.split_at(i).0.split_at(start).1;
    }
    if patch.is_some() && matches!(byte(b, i), Some(b'+')) {
        i = identifier_end(b, i + 1); // build metadata takes no part in matching
    }
    let cmp = Comparator {
        op,
        major,
        minor,
        patch,
        pre,
    };
    Some((cmp, skip_spaces(b, i)))
}

const fn byte(b: &[u8], i: usize) -> Option<u8> {
    if i < b.len() {
        Some(b[i])
    } else {
        None
    }
}

const fn is_wildcard(c: u8) -> bool {
    matches!(c, b'*' | b'x' | b'X')
}

const fn skip_spaces(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i] == b' ' {
        i += 1;
    }
    i
}

/// Digits at `i` as a `u64`, and the index after them; `None` if there are none or they overflow.
const fn number(b: &[u8], mut i: usize) -> Option<(u64, usize)> {
    let start = i;
    let mut value: u64 = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        value = match value.checked_mul(10) {
            Some(v) => match v.checked_add((b[i] - b'0') as u64) {
                Some(v) => v,
                None => return None,
            },
            None => return None,
        };
        i += 1;
    }
    if i == start {
        None
    } else {
        Some((value, i))
    }
}

/// The end of a dot-separated identifier (`alpha.1`, `build-5`) starting at `i`.
const fn identifier_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-' || b[i] == b'.') {
        i += 1;
    }
    i
}

// Matching, after `semver`'s `eval.rs`.

const fn matches_comparator(cmp: &Comparator<'_>, v: &Ver<'_>) -> bool {
    match cmp.op {
        Op::Exact | Op::Wildcard => matches_exact(cmp, v),
        Op::Greater => matches_greater(cmp, v),
        Op::GreaterEq => matches_exact(cmp, v) || matches_greater(cmp, v),
        Op::Less => matches_less(cmp, v),
        Op::LessEq => matches_exact(cmp, v) || matches_less(cmp, v),
        Op::Tilde => matches_tilde(cmp, v),
        Op::Caret => matches_caret(cmp, v),
    }
}

const fn matches_exact(cmp: &Comparator<'_>, v: &Ver<'_>) -> bool {
    if v.major != cmp.major {
        return false;
    }
    if let Some(minor) = cmp.minor {
        if v.minor != minor {
            return false;
        }
    }
    if let Some(patch) = cmp.patch {
        if v.patch != patch {
            return false;
        }
    }
    cmp_pre(v.pre, cmp.pre) == 0
}

const fn matches_greater(cmp: &Comparator<'_>, v: &Ver<'_>) -> bool {
    if v.major != cmp.major {
        return v.major > cmp.major;
    }
    match cmp.minor {
        None => return false,
        Some(minor) if v.minor != minor => return v.minor > minor,
        Some(_) => {}
    }
    match cmp.patch {
        None => return false,
        Some(patch) if v.patch != patch => return v.patch > patch,
        Some(_) => {}
    }
    cmp_pre(v.pre, cmp.pre) > 0
}

const fn matches_less(cmp: &Comparator<'_>, v: &Ver<'_>) -> bool {
    if v.major != cmp.major {
        return v.major < cmp.major;
    }
    match cmp.minor {
        None => return false,
        Some(minor) if v.minor != minor => return v.minor < minor,
        Some(_) => {}
    }
    match cmp.patch {
        None => return false,
        Some(patch) if v.patch != patch => return v.patch < patch,
        Some(_) => {}
    }
    cmp_pre(v.pre, cmp.pre) < 0
}

const fn matches_tilde(cmp: &Comparator<'_>, v: &Ver<'_>) -> bool {
    if v.major != cmp.major {
        return false;
    }
    if let Some(minor) = cmp.minor {
        if v.minor != minor {
            return false;
        }
    }
    if let Some(patch) = cmp.patch {
        if v.patch != patch {
            return v.patch > patch;
        }
    }
    cmp_pre(v.pre, cmp.pre) >= 0
}

const fn matches_caret(cmp: &Comparator<'_>, v: &Ver<'_>) -> bool {
    if v.major != cmp.major {
        return false;
    }
    let Some(minor) = cmp.minor else {
        return true;
    };
    let Some(patch) = cmp.patch else {
        return if cmp.major > 0 {
            v.minor >= minor
        } else {
            v.minor == minor
        };
    };
    if cmp.major > 0 {
        if v.minor != minor {
            return v.minor > minor;
        } else if v.patch != patch {
            return v.patch > patch;
        }
    } else if minor > 0 {
        if v.minor != minor {
            return false;
        } else if v.patch != patch {
            return v.patch > patch;
        }
    } else if v.minor != minor || v.patch != patch {
        return false;
    }
    cmp_pre(v.pre, cmp.pre) >= 0
}

/// A pre-release version satisfies a requirement only through a comparator on the same
/// `major.minor.patch` that has a pre-release itself.
const fn pre_is_compatible(cmp: &Comparator<'_>, v: &Ver<'_>) -> bool {
    cmp.major == v.major
        && matches!(cmp.minor, Some(m) if m == v.minor)
        && matches!(cmp.patch, Some(p) if p == v.patch)
        && !cmp.pre.is_empty()
}

/// Pre-release precedence as `semver::Prerelease`'s `Ord` (-1, 0, 1): no pre-release is
/// greatest; identifiers compare numerically if both are digits, digits before letters,
/// otherwise in ASCII order; a longer list wins a tie.
const fn cmp_pre(a: &[u8], b: &[u8]) -> i8 {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return 0,
        (true, false) => return 1,
        (false, true) => return -1,
        (false, false) => {}
    }
    let (mut i, mut j) = (0, 0);
    // `i > a.len()` once `a`'s last identifier was compared; same for `j`.
    while i <= a.len() {
        if j > b.len() {
            return 1;
        }
        let (ei, ej) = (segment_end(a, i), segment_end(b, j));
        let (x, y) = (
            a.split_at(ei).0.split_at(i).1,
            b.split_at(ej).0.split_at(j).1,
        );
        let ord = match (all_digits(x), all_digits(y)) {
            (true, true) if x.len() != y.len() => {
                if x.len() < y.len() {
                    -1
                } else {
                    1
                }
            }
            (true, false) => return -1,
            (false, true) => return 1,
            _ => cmp_bytes(x, y),
        };
        if ord != 0 {
            return ord;
        }
        i = ei + 1;
        j = ej + 1;
    }
    if j > b.len() {
        0
    } else {
        -1
    }
}

const fn segment_end(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && s[i] != b'.' {
        i += 1;
    }
    i
}

const fn all_digits(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        if !s[i].is_ascii_digit() {
            return false;
        }
        i += 1;
    }
    true
}

const fn cmp_bytes(x: &[u8], y: &[u8]) -> i8 {
    let mut i = 0;
    while i < x.len() && i < y.len() {
        if x[i] != y[i] {
            return if x[i] < y[i] { -1 } else { 1 };
        }
        i += 1;
    }
    if x.len() == y.len() {
        0
    } else if x.len() < y.len() {
        -1
    } else {
        1
    }
}

/// A message assembled during const evaluation; text past the capacity is cut at a character
/// boundary and marked with `...`.
struct Message {
    buf: [u8; Message::CAPACITY],
    len: usize,
}

impl Message {
    const CAPACITY: usize = 512;

    const fn new() -> Self {
        Message {
            buf: [0; Message::CAPACITY],
            len: 0,
        }
    }

    const fn push(&mut self, s: &str) {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if self.len == Self::CAPACITY {
                self.truncate();
                return;
            }
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
    }

    /// Replaces the tail with `...`, keeping whole UTF-8 characters.
    const fn truncate(&mut self) {
        self.len = Self::CAPACITY - 3;
        while self.len > 0 && (self.buf[self.len] & 0xC0) == 0x80 {
            self.len -= 1;
        }
        let mut k = 0;
        while k < 3 {
            self.buf[self.len] = b'.';
            self.len += 1;
            k += 1;
        }
    }

    const fn number(&mut self, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut k = digits.len();
        loop {
            k -= 1;
            digits[k] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        match core::str::from_utf8(digits.split_at(k).1) {
            Ok(s) => self.push(s),
            Err(_) => self.push("?"),
        }
    }

    const fn version(&mut self, v: &Version) {
        self.number(v.major);
        self.push(".");
        self.number(v.minor);
        self.push(".");
        self.number(v.patch);
        if !v.pre.is_empty() {
            self.push("-");
            self.push(v.pre);
        }
        if !v.build.is_empty() {
            self.push("+");
            self.push(v.build);
        }
    }

    const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.buf.split_at(self.len).0) {
            Ok(s) => s,
            Err(_) => "a module's version requirement is not satisfied",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::__private::location;

    /// A deterministic generator (Knuth's MMIX LCG), so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) % n as u64) as usize
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }
    }

    fn version(text: &str) -> Version {
        let v = semver::Version::parse(text).unwrap();
        Version {
            major: v.major,
            minor: v.minor,
            patch: v.patch,
            pre: Box::leak(v.pre.as_str().to_owned().into_boxed_str()),
            build: Box::leak(v.build.as_str().to_owned().into_boxed_str()),
        }
    }

    const VERSIONS: &[&str] = &[
        "0.0.0",
        "0.0.1",
        "0.0.2",
        "0.1.0",
        "0.1.1",
        "0.1.2",
        "0.2.0",
        "0.9.1-beta.2",
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.0+build.7",
        "1.0.1",
        "1.1.0",
        "1.2.0",
        "1.2.3-alpha",
        "1.2.3-alpha.1",
        "1.2.3-alpha.10",
        "1.2.3-1",
        "1.2.3-2",
        "1.2.3-10",
        "1.2.3-a-b",
        "1.2.3",
        "1.2.3+meta",
        "1.2.4",
        "1.3.0",
        "2.0.0-0",
        "2.0.0",
        "2.1.7",
        "10.20.30",
        "18446744073709551615.0.0",
    ];

    /// Every operator and shape on a spread of versions, then pairs of them joined by commas.
    fn requirements() -> Vec<String> {
        let ops = ["", "=", ">", ">=", "<", "<=", "~", "^"];
        let bodies = [
            "0",
            "1",
            "2",
            "0.0",
            "0.1",
            "1.0",
            "1.2",
            "0.0.0",
            "0.0.1",
            "0.1.1",
            "0.1.2",
            "1.0.0",
            "1.2.3",
            "1.2.4",
            "2.0.0",
            "1.*",
            "1.x",
            "1.X",
            "1.*.*",
            "1.2.*",
            "1.2.x",
            "0.*",
            "1.0.0-alpha",
            "1.0.0-beta.2",
            "1.0.0-alpha.beta",
            "1.2.3-alpha.2",
            "1.2.3-2",
            "1.2.3-alpha",
            "1.2.3-1+build",
            "2.0.0-0",
            "0.9.1-beta.1",
            "1.2.3+meta",
            "18446744073709551615",
        ];
        let mut single = Vec::new();
        for op in ops {
            for body in bodies {
                single.push(format!("{op}{body}"));
            }
        }
        let mut out = single.clone();
        out.extend(
            [
                "*",
                "x",
                "X",
                "  *  ",
                ">= 1.2, < 2",
                " ^1.2 ,<=1.9.9 ",
                "> 0.1",
            ]
            .map(String::from),
        );
        let picks: Vec<&String> = single.iter().step_by(7).collect();
        for a in &picks {
            for b in &picks {
                out.push(format!("{a}, {b}"));
            }
        }
        out.push(">=1.0.0-alpha, <1.0.0, >1.0.0-alpha.1".to_owned());
        out.push(">=1.2.3-alpha, <1.2.3".to_owned());
        out.push("=1.2.3-alpha.1,=1.2.3-alpha.1".to_owned());
        out
    }

    #[test]
    fn agrees_with_semver() {
        let mut checked = 0;
        for req_text in requirements() {
            let req = semver::VersionReq::parse(&req_text)
                .unwrap_or_else(|e| panic!("{req_text:?} does not parse: {e}"));
            for v_text in VERSIONS {
                let expected = req.matches(&semver::Version::parse(v_text).unwrap());
                let got = matches(&req_text, &version(v_text));
                assert_eq!(got, expected, "{req_text:?} matching {v_text}");
                let sv = semver::Version::parse(v_text).unwrap();
                assert_eq!(
                    matches_semver(&req_text, &sv),
                    expected,
                    "{req_text:?} on {v_text}"
                );
                checked += 1;
            }
        }
        assert!(checked > 10_000, "only {checked} pairs");
    }

    /// Random requirements of one to three comparators over small numbers, so that bounds,
    /// partial versions and pre-releases collide often, against every version of a small grid.
    #[test]
    fn agrees_with_semver_on_random_requirements() {
        let mut rng = Rng(0x5eed);
        let ops = ["", "", "=", ">", ">=", "<", "<=", "~", "^", "^"];
        let pres = ["", "", "", "-alpha", "-alpha.1", "-beta", "-1", "-0.a"];
        let spaces = ["", "", " ", "  "];
        let mut versions = Vec::new();
        for major in 0..3 {
            for minor in 0..3 {
                for patch in 0..3 {
                    for pre in [
                        "",
                        "-alpha",
                        "-alpha.1",
                        "-alpha.beta",
                        "-beta",
                        "-1",
                        "-0.a",
                    ] {
                        versions.push(format!("{major}.{minor}.{patch}{pre}"));
                    }
                }
            }
        }
        let versions: Vec<(semver::Version, Version)> = versions
            .iter()
            .map(|t| (semver::Version::parse(t).unwrap(), version(t)))
            .collect();
        let (mut parsed, mut pairs) = (0, 0);
        for _ in 0..4000 {
            let mut text = String::new();
            for k in 0..=rng.below(3) {
                if k > 0 {
                    text.push_str(rng.pick(&spaces));
                    text.push(',');
                }
                text.push_str(rng.pick(&spaces));
                text.push_str(rng.pick(&ops));
                text.push_str(rng.pick(&spaces));
                text.push_str(&rng.below(3).to_string());
                match rng.below(6) {
                    0 => {}
                    1 => text.push_str(&format!(".{}", rng.pick(&["0", "1", "2", "*", "x"]))),
                    2 => text.push_str(&format!(".{}.*", rng.below(3))),
                    _ => {
                        let (minor, patch) = (rng.below(3), rng.below(3));
                        text.push_str(&format!(".{minor}.{patch}{}", rng.pick(&pres)));
                        if rng.below(8) == 0 {
                            text.push_str("+build.5");
                        }
                    }
                }
                text.push_str(rng.pick(&spaces));
            }
            let Ok(req) = semver::VersionReq::parse(&text) else {
                continue;
            };
            parsed += 1;
            for (sv, v) in &versions {
                assert_eq!(matches(&text, v), req.matches(sv), "{text:?} matching {sv}");
                assert_eq!(
                    matches_semver(&text, sv),
                    req.matches(sv),
                    "{text:?} on {sv}"
                );
                pairs += 1;
            }
        }
        assert!(parsed > 3000, "only {parsed} requirements parsed");
        assert!(pairs > 500_000, "only {pairs} pairs");
    }

    #[test]
    fn pre_release_order_agrees_with_semver() {
        let pres = [
            "",
            "0",
            "1",
            "2",
            "10",
            "a",
            "alpha",
            "alpha.1",
            "alpha.2",
            "alpha.10",
            "alpha.beta",
            "alpha.1.0",
            "beta",
            "beta.2",
            "beta.11",
            "rc.1",
            "a-b",
            "A",
            "1.a",
            "1.1",
            "1.0.0",
        ];
        for a in pres {
            for b in pres {
                let sa = semver::Prerelease::new(a).unwrap();
                let sb = semver::Prerelease::new(b).unwrap();
                let expected = sa.cmp(&sb) as i8;
                assert_eq!(
                    cmp_pre(a.as_bytes(), b.as_bytes()),
                    expected,
                    "{a:?} vs {b:?}"
                );
            }
        }
    }

    #[test]
    fn ends_on_random_bytes() {
        let mut rng = Rng(7);
        let alphabet = b"0123456789.*xX^~=<>-+, a\xc3";
        let v = version("1.2.3-alpha");
        for _ in 0..50_000 {
            let len = rng.below(14);
            let bytes: Vec<u8> = (0..len)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            let text = String::from_utf8_lossy(&bytes);
            let _ = matches(&text, &v);
        }
    }

    #[test]
    fn ends_on_malformed_text() {
        let v = version("1.2.3-alpha");
        for text in [
            "",
            " ",
            ",",
            ",,",
            "^",
            ">=",
            "1.",
            "1..2",
            "1.2.",
            "1.2.3-",
            "1.*.3",
            "1,",
            "1 2",
            "a",
            "-1",
            "99999999999999999999",
            "1.2.3-alpha+",
            "1.2.3 -",
            "~>1",
            "1.2.3.4",
        ] {
            let _ = matches(text, &v);
        }
    }

    #[test]
    fn message_names_both_modules_and_versions() {
        let result = std::panic::catch_unwind(|| {
            let dep = ModuleDescriptor {
                type_name: "app::Storage",
                ..stub::<Dummy>("storage", location("src/lib.rs", 1, 1))
            };
            let dep = ModuleDescriptor {
                version: version("1.2.0-rc.1+b5"),
                ..dep
            };
            check_requirement("cache", "^2", &dep);
        });
        let payload = result.unwrap_err();
        let text = payload.downcast_ref::<String>().unwrap();
        assert_eq!(
            text,
            "module `cache` requires `storage` ^2, but `storage` is 1.2.0-rc.1+b5"
        );
    }

    #[test]
    fn message_is_cut_at_capacity() {
        let mut msg = Message::new();
        for _ in 0..100 {
            msg.push("é-long");
        }
        let s = msg.as_str();
        assert!(s.ends_with("..."));
        assert!(s.len() <= Message::CAPACITY);
        let mut msg = Message::new();
        msg.number(0);
        msg.push(" ");
        msg.number(u64::MAX);
        assert_eq!(msg.as_str(), "0 18446744073709551615");
    }

    #[test]
    fn stubs_are_skipped() {
        check_requirement(
            "cache",
            "^9",
            &stub::<Dummy>("storage", location("src/lib.rs", 1, 1)),
        );
    }

    #[derive(Default)]
    struct Dummy;

    impl crate::module::Lifecycle for Dummy {}

    impl Module for Dummy {
        const DESCRIPTOR: &'static ModuleDescriptor = &DUMMY;
        fn __create(
            _: &crate::context::Context<'_, Self>,
        ) -> Result<Self, crate::error::ModuleError> {
            Ok(Dummy)
        }
    }

    static DUMMY: ModuleDescriptor = stub::<Dummy>("dummy", location("src/lib.rs", 1, 1));

    /// Every text `is_simple_requirement` accepts parses with `semver`; the texts it turns away
    /// include every malformed one of the grid, and the common shapes are accepted.
    #[test]
    fn simple_requirements_are_a_subset_of_what_semver_parses() {
        let ops = [
            "", "=", ">", ">=", "<", "<=", "~", "^", "=>", "=<", "==", "^^", "~>", "*", " ", "v",
        ];
        let numbers = [
            "0",
            "1",
            "7",
            "10",
            "00",
            "01",
            "012",
            "999",
            "18446744073709551615",
            "18446744073709551616",
            "9999999999999999999",
            "10000000000000000000",
            "",
            "x",
            "*",
            "1a",
            "-1",
        ];
        let tails = [
            "", "-alpha", "+build", " ", ",", ".", "..", "-", "+", " ,1", "a",
        ];
        let (mut simple, mut total) = (0, 0);
        for op in ops {
            for a in numbers {
                for b in ["", "."]
                    .iter()
                    .flat_map(|d| numbers.map(|n| format!("{d}{n}")))
                {
                    for c in ["", ".0", ".12", ".01", "."] {
                        for tail in tails {
                            let text = format!("{op}{a}{b}{c}{tail}");
                            total += 1;
                            if is_simple_requirement(&text) {
                                simple += 1;
                                assert!(
                                    semver::VersionReq::parse(&text).is_ok(),
                                    "{text:?} is simple but does not parse"
                                );
                            }
                        }
                    }
                }
            }
        }
        assert!(
            simple > 1000 && total > 100_000,
            "{simple} simple of {total}"
        );
        for text in [
            "^1.2", "1.2.3", ">=0.5", "~1", "=2.0.1", "<3", "<=1.0.0", "^0.0.1",
        ] {
            assert!(is_simple_requirement(text), "{text:?}");
        }
        for text in [
            "", "^", "1.", "1..2", "01.2", "1.2.3.4", "^1.2, <2", " ^1", "1.*", "1.2.3-a",
        ] {
            assert!(!is_simple_requirement(text), "{text:?}");
        }
    }
}
