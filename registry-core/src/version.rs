//! What a module is and which version it has, as constants a `static` can hold.

use std::borrow::Cow;
use std::fmt;

use crate::req::VersionParts;

/// What a module is for, as in the original FAQ.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum ModuleType {
    /// Transforms data (`Processor` implementations usually are).
    DataProcessor,
    /// A service other modules call; the default.
    Service,
    /// Persists data.
    Storage,
    /// Talks to the network.
    Network,
    /// Authentication, encryption, access control.
    Security,
    /// Metrics, logging, health.
    Monitoring,
    /// Anything else, named by the user: `kind = Custom("scheduler")`.
    Custom(Cow<'static, str>),
}

/// `descriptor.kind() == ModuleType::Storage`, without a `*`.
impl PartialEq<ModuleType> for &ModuleType {
    fn eq(&self, other: &ModuleType) -> bool {
        **self == *other
    }
}

impl PartialEq<&ModuleType> for ModuleType {
    fn eq(&self, other: &&ModuleType) -> bool {
        *self == **other
    }
}

impl ModuleType {
    /// A custom kind from any string: `ModuleType::custom("scheduler")`.
    pub fn custom(name: impl Into<Cow<'static, str>>) -> Self {
        ModuleType::Custom(name.into())
    }

    /// The kind's name: the variant (`Storage`) or the custom text.
    pub fn as_str(&self) -> &str {
        match self {
            ModuleType::DataProcessor => "DataProcessor",
            ModuleType::Service => "Service",
            ModuleType::Storage => "Storage",
            ModuleType::Network => "Network",
            ModuleType::Security => "Security",
            ModuleType::Monitoring => "Monitoring",
            ModuleType::Custom(name) => name,
        }
    }
}

impl fmt::Display for ModuleType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A semantic version that can live in a `static` (its parts are `&'static str`).
///
/// Convert with [`Version::to_semver`] for comparisons and requirement matching.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: &'static str,
    build: &'static str,
}

impl Version {
    /// `major.minor.patch` with no pre-release or build metadata.
    pub const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Version {
            major,
            minor,
            patch,
            pre: "",
            build: "",
        }
    }

    /// A version with a pre-release and build metadata, each `""` when absent. The derive
    /// writes these from a version `semver` parsed, so both parts are valid.
    pub const fn with_parts(
        major: u64,
        minor: u64,
        patch: u64,
        pre: &'static str,
        build: &'static str,
    ) -> Self {
        Version {
            major,
            minor,
            patch,
            pre,
            build,
        }
    }

    /// What requirement matching reads of this version.
    pub const fn parts(&self) -> VersionParts<'static> {
        VersionParts {
            major: self.major,
            minor: self.minor,
            patch: self.patch,
            pre: self.pre,
        }
    }

    /// The major version.
    pub const fn major(&self) -> u64 {
        self.major
    }

    /// The minor version.
    pub const fn minor(&self) -> u64 {
        self.minor
    }

    /// The patch version.
    pub const fn patch(&self) -> u64 {
        self.patch
    }

    /// The pre-release part after `-`, or `""`.
    pub const fn pre(&self) -> &'static str {
        self.pre
    }

    /// The build metadata after `+`, or `""`.
    pub const fn build(&self) -> &'static str {
        self.build
    }

    /// The same version as a [`semver::Version`].
    pub fn to_semver(&self) -> semver::Version {
        let mut v = semver::Version::new(self.major, self.minor, self.patch);
        // The derive validated both parts with `semver`, so these parses succeed.
        if !self.pre.is_empty() {
            v.pre = semver::Prerelease::new(self.pre).unwrap_or(semver::Prerelease::EMPTY);
        }
        if !self.build.is_empty() {
            v.build =
                semver::BuildMetadata::new(self.build).unwrap_or(semver::BuildMetadata::EMPTY);
        }
        v
    }
}

/// `version == "1.2.0"`: equal when the text parses as that very semver version.
impl PartialEq<str> for Version {
    fn eq(&self, other: &str) -> bool {
        semver::Version::parse(other).is_ok_and(|v| v == self.to_semver())
    }
}

impl PartialEq<&str> for Version {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl PartialEq<Version> for str {
    fn eq(&self, other: &Version) -> bool {
        *other == *self
    }
}

impl PartialEq<Version> for &str {
    fn eq(&self, other: &Version) -> bool {
        *other == **self
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.build.is_empty() {
            write!(f, "+{}", self.build)?;
        }
        Ok(())
    }
}

impl PartialEq<semver::Version> for Version {
    fn eq(&self, other: &semver::Version) -> bool {
        self.to_semver() == *other
    }
}
