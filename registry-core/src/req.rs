//! Version requirements, parsed once and matched by one matcher that also runs in `const`.
//!
//! A requirement such as `^1.2` or `>=1.0, <2` is parsed with `semver` where it is written (the
//! derive, the build check, the dynamic registry's registration) and travels as structured
//! [`Comparator`]s with its text for messages. [`Comparator::matches`] is a `const fn`: the
//! derive's compile-time check, `validate()` and the dynamic registry all call it, and it agrees
//! with `semver::VersionReq::matches` (tested against it).

use std::fmt;

/// The operator of one comparator, as `semver::Op`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `=1.2.3`
    Exact,
    /// `>1.2.3`
    Greater,
    /// `>=1.2.3`
    GreaterEq,
    /// `<1.2.3`
    Less,
    /// `<=1.2.3`
    LessEq,
    /// `~1.2.3`
    Tilde,
    /// `^1.2.3`, and a bare `1.2.3`
    Caret,
    /// `1.2.*`
    Wildcard,
}

/// One comparator of a requirement: `^1.2`, `>=1.0.0-beta`, `1.*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Comparator<'a> {
    /// The operator.
    pub op: Op,
    /// The major version.
    pub major: u64,
    /// The minor version, when written.
    pub minor: Option<u64>,
    /// The patch version, when written.
    pub patch: Option<u64>,
    /// The pre-release after `-`, or `""`.
    pub pre: &'a str,
}

/// The parts of a version that matching reads (build metadata takes no part).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VersionParts<'a> {
    /// The major version.
    pub major: u64,
    /// The minor version.
    pub minor: u64,
    /// The patch version.
    pub patch: u64,
    /// The pre-release, or `""`.
    pub pre: &'a str,
}

impl<'a> VersionParts<'a> {
    /// The parts of a `semver::Version`.
    pub fn of(v: &'a semver::Version) -> Self {
        VersionParts {
            major: v.major,
            minor: v.minor,
            patch: v.patch,
            pre: v.pre.as_str(),
        }
    }
}

impl<'a> Comparator<'a> {
    /// Whether `v` satisfies this comparator on its own (pre-release rules aside: see
    /// [`VersionReq::matches`]).
    pub const fn matches(&self, v: &VersionParts<'_>) -> bool {
        match self.op {
            Op::Exact | Op::Wildcard => matches_exact(self, v),
            Op::Greater => matches_greater(self, v),
            Op::GreaterEq => matches_exact(self, v) || matches_greater(self, v),
            Op::Less => matches_less(self, v),
            Op::LessEq => matches_exact(self, v) || matches_less(self, v),
            Op::Tilde => matches_tilde(self, v),
            Op::Caret => matches_caret(self, v),
        }
    }

    /// Whether this comparator lets a pre-release `v` through: it must name the same
    /// `major.minor.patch` and have a pre-release itself.
    pub const fn admits_pre_release_of(&self, v: &VersionParts<'_>) -> bool {
        self.major == v.major
            && matches!(self.minor, Some(m) if m == v.minor)
            && matches!(self.patch, Some(p) if p == v.patch)
            && !self.pre.is_empty()
    }

    /// The comparator of a `semver::Comparator`; `None` for an operator this crate does not
    /// know (`semver::Op` is non-exhaustive).
    pub fn from_semver(c: &'a semver::Comparator) -> Option<Comparator<'a>> {
        let op = match c.op {
            semver::Op::Exact => Op::Exact,
            semver::Op::Greater => Op::Greater,
            semver::Op::GreaterEq => Op::GreaterEq,
            semver::Op::Less => Op::Less,
            semver::Op::LessEq => Op::LessEq,
            semver::Op::Tilde => Op::Tilde,
            semver::Op::Caret => Op::Caret,
            semver::Op::Wildcard => Op::Wildcard,
            _ => return None,
        };
        Some(Comparator {
            op,
            major: c.major,
            minor: c.minor,
            patch: c.patch,
            pre: c.pre.as_str(),
        })
    }
}

/// Where a requirement's comparators are kept.
#[derive(Clone, Copy, Debug)]
enum Comparators<'a> {
    /// Written out, e.g. in a `static` the derive generated.
    Parsed(&'a [Comparator<'a>]),
    /// Inside a `semver::VersionReq` parsed at run time: read through
    /// [`Comparator::from_semver`], never copied.
    Semver(&'a [semver::Comparator]),
}

/// A parsed version requirement, with its text for messages: `^1.2`, `>=1.0, <2`.
///
/// `Display` writes the text as it was written.
#[derive(Clone, Copy, Debug)]
pub struct VersionReq<'a> {
    text: &'a str,
    comparators: Comparators<'a>,
}

impl<'a> VersionReq<'a> {
    /// A requirement from its text and its comparators, as the derive writes it into a static.
    /// `comparators` must be what `semver::VersionReq::parse(text)` gives.
    pub const fn new(text: &'a str, comparators: &'a [Comparator<'a>]) -> Self {
        VersionReq {
            text,
            comparators: Comparators::Parsed(comparators),
        }
    }

    /// A requirement parsed by `semver` at run time, and its text.
    pub fn from_semver(text: &'a str, req: &'a semver::VersionReq) -> Self {
        VersionReq {
            text,
            comparators: Comparators::Semver(&req.comparators),
        }
    }

    /// The requirement as written.
    pub const fn text(&self) -> &'a str {
        self.text
    }

    /// Whether `v` satisfies the requirement, exactly as `semver::VersionReq::matches`: every
    /// comparator matches, and a pre-release version only through a comparator that names its
    /// `major.minor.patch` with a pre-release.
    pub fn matches(&self, v: &VersionParts<'_>) -> bool {
        match self.comparators {
            Comparators::Parsed(list) => matches_all(list, v),
            Comparators::Semver(list) => {
                let mut all = true;
                let mut pre_allowed = v.pre.is_empty();
                for c in list {
                    let Some(c) = Comparator::from_semver(c) else {
                        return false;
                    };
                    all = all && c.matches(v);
                    pre_allowed = pre_allowed || c.admits_pre_release_of(v);
                }
                all && pre_allowed
            }
        }
    }

    /// [`VersionReq::matches`] in `const`, for a requirement written out with
    /// [`VersionReq::new`] (as the derive writes them). One kept inside a `semver::VersionReq`
    /// cannot be read in `const` and matches nothing here: use [`VersionReq::matches`].
    pub const fn matches_const(&self, v: &VersionParts<'_>) -> bool {
        match self.comparators {
            Comparators::Parsed(list) => matches_all(list, v),
            Comparators::Semver(_) => false,
        }
    }

    /// Whether `v` satisfies the requirement; `None` when `v` is not valid semver.
    pub fn matches_text(&self, v: &str) -> Option<bool> {
        let v = semver::Version::parse(v).ok()?;
        Some(self.matches(&VersionParts::of(&v)))
    }
}

/// [`VersionReq::matches`] over written-out comparators, in `const`.
pub const fn matches_all(comparators: &[Comparator<'_>], v: &VersionParts<'_>) -> bool {
    let mut all = true;
    let mut pre_allowed = v.pre.is_empty();
    let mut i = 0;
    while i < comparators.len() {
        all = all && comparators[i].matches(v);
        pre_allowed = pre_allowed || comparators[i].admits_pre_release_of(v);
        i += 1;
    }
    all && pre_allowed
}

impl fmt::Display for VersionReq<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text)
    }
}

impl PartialEq for VersionReq<'_> {
    /// Requirements are equal when they were written the same way.
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for VersionReq<'_> {}

impl PartialEq<str> for VersionReq<'_> {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for VersionReq<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

// Matching, after the semantics of `semver`'s `VersionReq::matches`.

const fn matches_exact(cmp: &Comparator<'_>, v: &VersionParts<'_>) -> bool {
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
    cmp_pre(v.pre.as_bytes(), cmp.pre.as_bytes()) == 0
}

const fn matches_greater(cmp: &Comparator<'_>, v: &VersionParts<'_>) -> bool {
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
    cmp_pre(v.pre.as_bytes(), cmp.pre.as_bytes()) > 0
}

const fn matches_less(cmp: &Comparator<'_>, v: &VersionParts<'_>) -> bool {
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
    cmp_pre(v.pre.as_bytes(), cmp.pre.as_bytes()) < 0
}

const fn matches_tilde(cmp: &Comparator<'_>, v: &VersionParts<'_>) -> bool {
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
    cmp_pre(v.pre.as_bytes(), cmp.pre.as_bytes()) >= 0
}

const fn matches_caret(cmp: &Comparator<'_>, v: &VersionParts<'_>) -> bool {
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
    cmp_pre(v.pre.as_bytes(), cmp.pre.as_bytes()) >= 0
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
