//! The findings of the graph checks: stable codes, the dependency chains that explain them,
//! and the help that fixes them.

use std::fmt;

use crate::location::Location;
use crate::name::NAME_RULE;

/// One hop of a dependency chain: `from` needs `to`, written at `site`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    /// The dependent module.
    pub from: String,
    /// The module it depends on.
    pub to: String,
    /// Where the dependency was written.
    pub site: Location,
}

impl fmt::Display for Hop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} needs {}  ({})", self.from, self.to, self.site)
    }
}

/// One problem of the module graph. Each variant has a stable code (see [`ValidationError::code`]).
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// `MR0001`: modules depend on each other in a circle.
    #[error("dependency cycle: {}", cycle_path(.hops))]
    Cycle {
        /// The edges of the cycle, starting at the smallest module name.
        hops: Vec<Hop>,
    },
    /// `MR0002`: a required dependency is not in the registry.
    #[error("module \"{module}\" depends on \"{dependency}\", which is not in the registry")]
    MissingDependency {
        /// The dependent module.
        module: String,
        /// The missing module.
        dependency: String,
        /// Where the dependency was written.
        site: Location,
        /// Why `module` is needed: the required edges from a module nothing requires down to
        /// it (empty when nothing requires it).
        needed_by: Vec<Hop>,
    },
    /// `MR0003`: a dependency's version does not satisfy the requirement.
    #[error("module \"{module}\" requires \"{dependency}\" {requirement}, but found \"{dependency}\" {found}")]
    UnsatisfiedVersion {
        /// The dependent module.
        module: String,
        /// The module depended on.
        dependency: String,
        /// The requirement as written, e.g. `^2`.
        requirement: String,
        /// The version found.
        found: String,
        /// Where the requirement was written.
        site: Location,
        /// Why `module` is needed, as for [`ValidationError::MissingDependency`].
        needed_by: Vec<Hop>,
    },
    /// `MR0004`: two modules share a name.
    #[error("duplicate module name \"{name}\": defined at {first} and at {second}")]
    DuplicateName {
        /// The shared name.
        name: String,
        /// The first definition.
        first: Location,
        /// The second definition.
        second: Location,
    },
    /// `MR0005`: a required capability is provided by no module.
    #[error("capability \"{capability}\" required by \"{module}\" is not provided by any module")]
    MissingCapability {
        /// The capability.
        capability: String,
        /// Who requires it: a module name, or the application.
        module: String,
        /// Where it is required.
        site: Location,
        /// Why `module` is needed, as for [`ValidationError::MissingDependency`] (empty for the
        /// application).
        needed_by: Vec<Hop>,
    },
    /// `MR0006`: the build check expected a module that is not linked into the program.
    #[error("module \"{module}\" ({type_name}) was found by the build check but is not linked into this program")]
    NotLinked {
        /// The missing module.
        module: String,
        /// Its Rust path.
        type_name: String,
        /// Where it is declared.
        site: Location,
    },
    /// `MR0007`: a version or requirement string is not valid semver.
    #[error("invalid {what} \"{text}\" for module \"{module}\": {reason}")]
    InvalidVersion {
        /// The module.
        module: String,
        /// `version` or `version requirement`.
        what: &'static str,
        /// The text as given.
        text: String,
        /// What the semver parser said.
        reason: String,
    },
    /// `MR0008`: a module name is not lowercase words joined by `-`.
    #[error("invalid module name \"{name}\": expected {}", NAME_RULE)]
    InvalidName {
        /// The name as given.
        name: String,
    },
    /// `MR0008`: a capability does not follow the rule of names (the derive's `invalid
    /// capability`).
    #[error(
        "invalid capability \"{capability}\" of module \"{module}\": expected {}",
        NAME_RULE
    )]
    InvalidCapability {
        /// The module that provides or requires it.
        module: String,
        /// The capability as given.
        capability: String,
    },
}

fn cycle_path(hops: &[Hop]) -> String {
    let mut out = String::new();
    for hop in hops {
        out.push_str(&hop.from);
        out.push_str(" -> ");
    }
    if let Some(first) = hops.first() {
        out.push_str(&first.from);
    }
    out
}

/// A chain's hops, root first, then `last`: the lines that say why a module is needed.
fn chain(hops: &[Hop], last: String) -> Vec<String> {
    hops.iter()
        .map(Hop::to_string)
        .chain(std::iter::once(last))
        .collect()
}

impl ValidationError {
    /// The stable code, e.g. `MR0001`. The catalogue is in the crate docs.
    pub fn code(&self) -> &'static str {
        match self {
            ValidationError::Cycle { .. } => "MR0001",
            ValidationError::MissingDependency { .. } => "MR0002",
            ValidationError::UnsatisfiedVersion { .. } => "MR0003",
            ValidationError::DuplicateName { .. } => "MR0004",
            ValidationError::MissingCapability { .. } => "MR0005",
            ValidationError::NotLinked { .. } => "MR0006",
            ValidationError::InvalidVersion { .. } => "MR0007",
            ValidationError::InvalidName { .. } | ValidationError::InvalidCapability { .. } => {
                "MR0008"
            }
        }
    }

    /// The lines that explain the error: one per hop of a chain, or the places involved.
    pub fn notes(&self) -> Vec<String> {
        match self {
            ValidationError::Cycle { hops } => hops.iter().map(Hop::to_string).collect(),
            ValidationError::MissingDependency {
                module,
                dependency,
                site,
                needed_by,
            } => chain(needed_by, format!("{module} needs {dependency}  ({site})")),
            ValidationError::UnsatisfiedVersion {
                module,
                dependency,
                requirement,
                site,
                needed_by,
                ..
            } => chain(
                needed_by,
                format!("{module} needs {dependency} {requirement}  ({site})"),
            ),
            ValidationError::DuplicateName { first, second, .. } => {
                vec![
                    format!("first defined at {first}"),
                    format!("defined again at {second}"),
                ]
            }
            ValidationError::MissingCapability {
                module,
                capability,
                site,
                needed_by,
            } => chain(
                needed_by,
                format!("{module} requires {capability}  ({site})"),
            ),
            ValidationError::NotLinked { site, .. } => vec![format!("declared at {site}")],
            ValidationError::InvalidVersion { .. }
            | ValidationError::InvalidName { .. }
            | ValidationError::InvalidCapability { .. } => Vec::new(),
        }
    }

    /// The likely fix.
    pub fn help(&self) -> String {
        match self {
            ValidationError::Cycle { .. } => "break the cycle: move what both sides share into a new module that each can depend on".to_owned(),
            ValidationError::MissingDependency { dependency, .. } => format!("add \"{dependency}\" to the registry (link its crate, or add it to the `subset` roots), or list it under `optional`"),
            ValidationError::UnsatisfiedVersion { dependency, found, .. } => format!("relax the requirement so that it accepts {found}, or upgrade \"{dependency}\""),
            ValidationError::DuplicateName { .. } => "give one of the modules another name with `#[module(name = \"...\")]`".to_owned(),
            ValidationError::MissingCapability { capability, .. } => format!("add a module with `capabilities = [\"{capability}\"]`, or link the crate that has one"),
            ValidationError::NotLinked { type_name, .. } => {
                let krate = type_name.split("::").next().unwrap_or_default();
                format!("make `{krate}` a direct dependency of the application (`link_modules!()` links the module crates it depends on directly), or reference `{type_name}` from code that is linked")
            }
            ValidationError::InvalidVersion { .. } => "use a semantic version such as \"1.2.0\", or a requirement such as \"^1.2\"".to_owned(),
            ValidationError::InvalidName { .. } => "use a name such as \"http-cache\"".to_owned(),
            ValidationError::InvalidCapability { .. } => "use a capability such as \"storage\" or \"key-value\"".to_owned(),
        }
    }

    /// The site a diagnostic should point at, when there is one.
    pub fn site(&self) -> Option<&Location> {
        match self {
            ValidationError::Cycle { hops } => hops.first().map(|h| &h.site),
            ValidationError::MissingDependency { site, .. }
            | ValidationError::UnsatisfiedVersion { site, .. }
            | ValidationError::MissingCapability { site, .. }
            | ValidationError::NotLinked { site, .. } => Some(site),
            ValidationError::DuplicateName { second, .. } => Some(second),
            ValidationError::InvalidVersion { .. }
            | ValidationError::InvalidName { .. }
            | ValidationError::InvalidCapability { .. } => None,
        }
    }

    /// The error the way the build check prints it, without source snippets:
    /// `error[MR0001]: headline`, the notes, then `help:`.
    pub fn report(&self) -> String {
        let mut out = format!("error[{}]: {self}", self.code());
        for note in self.notes() {
            out.push_str("\n  ");
            out.push_str(&note);
        }
        out.push_str("\n  help: ");
        out.push_str(&self.help());
        out
    }
}

/// Every problem found in one validation, in a deterministic order.
#[derive(Clone, PartialEq, Eq)]
pub struct ValidationErrors {
    errors: Vec<ValidationError>,
}

impl ValidationErrors {
    /// Wraps a non-empty list of errors.
    pub fn new(errors: Vec<ValidationError>) -> Self {
        ValidationErrors { errors }
    }

    /// The errors, in report order.
    pub fn errors(&self) -> &[ValidationError] {
        &self.errors
    }

    /// Iterates over the errors.
    pub fn iter(&self) -> std::slice::Iter<'_, ValidationError> {
        self.errors.iter()
    }

    /// How many errors.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Whether there are none (a `ValidationErrors` from this crate never is).
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Unwraps into the list.
    pub fn into_vec(self) -> Vec<ValidationError> {
        self.errors
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        writeln!(
            f,
            "{n} module graph error{}:",
            if n == 1 { "" } else { "s" }
        )?;
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{}", e.report())?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

impl IntoIterator for ValidationErrors {
    type Item = ValidationError;
    type IntoIter = std::vec::IntoIter<ValidationError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl<'a> IntoIterator for &'a ValidationErrors {
    type Item = &'a ValidationError;
    type IntoIter = std::slice::Iter<'a, ValidationError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

/// The report, as rustc prints an error: `unwrap()` and `?` in `main` print `Debug`.
impl fmt::Debug for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.report())
    }
}

/// The report of every finding, as `Display` writes it: `unwrap()` and `?` in `main` print
/// `Debug`.
impl fmt::Debug for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Writes `error` as its `Display` says, then each underlying cause whose text the message does
/// not already hold, as `Caused by:` lines: the `Debug` form of this project's error types, so
/// that `unwrap()` and `?` in `main` print a report, not a struct dump.
pub fn debug_report(error: &dyn std::error::Error, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let message = error.to_string();
    f.write_str(&message)?;
    let mut source = error.source();
    let mut first = true;
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            if first {
                f.write_str("\n\nCaused by:")?;
                first = false;
            }
            write!(f, "\n    {text}")?;
        }
        source = cause.source();
    }
    Ok(())
}
