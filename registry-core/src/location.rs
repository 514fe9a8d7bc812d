//! Where a module, a dependency or a requirement was written.

use std::fmt;

/// A place in the source, `file:line:column`, like [`std::panic::Location`].
///
/// A descriptor's location is a constant (`file!()`, `line!()`, `column!()` of the derive); the
/// build check names the files it read with strings it keeps for the life of the process (one
/// per file). So a location is `Copy` and fits in a `static`. Locations order by file, line and
/// column, and
/// [`Location::runtime`] after every source location: a module registered at run time comes
/// after the linked ones, so a duplicate name's "first defined at" is the linked module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    file: &'static str,
    line: u32,
    column: u32,
}

/// The file name of [`Location::runtime`].
const RUNTIME: &str = "<registered at run time>";

impl Location {
    /// A location in a file known at compile time.
    pub const fn new(file: &'static str, line: u32, column: u32) -> Self {
        Location { file, line, column }
    }

    /// The location of a module registered at run time, which has no source.
    pub const fn runtime() -> Self {
        Location::new(RUNTIME, 0, 0)
    }

    /// Whether this is [`Location::runtime`].
    pub fn is_runtime(&self) -> bool {
        self.line == 0 && self.file == RUNTIME
    }

    /// The source file: relative to the package root as `file!()` gives it, or as the build
    /// check read it.
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// The 1-based line (0 for [`Location::runtime`]).
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The 1-based column (0 for [`Location::runtime`]).
    pub fn column(&self) -> u32 {
        self.column
    }
}

impl Ord for Location {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.is_runtime(), &self.file, self.line, self.column).cmp(&(
            other.is_runtime(),
            &other.file,
            other.line,
            other.column,
        ))
    }
}

impl PartialOrd for Location {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}
