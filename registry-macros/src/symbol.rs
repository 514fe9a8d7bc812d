//! Every key of `#[module(...)]`, declared once.

pub(crate) const MODULE: &str = "module";
pub(crate) const NAME: &str = "name";
pub(crate) const VERSION: &str = "version";
pub(crate) const KIND: &str = "kind";
pub(crate) const CAPABILITIES: &str = "capabilities";
pub(crate) const REQUIRES: &str = "requires";
pub(crate) const DEPENDS_ON: &str = "depends_on";
pub(crate) const OPTIONAL: &str = "optional";
pub(crate) const PROVIDES: &str = "provides";
pub(crate) const CREATE: &str = "create";
pub(crate) const LIFECYCLE: &str = "lifecycle";
pub(crate) const DESCRIPTION: &str = "description";

/// In the order the docs list them; used for "expected one of" and "did you mean".
pub(crate) const KEYS: &[&str] = &[
    NAME,
    VERSION,
    KIND,
    CAPABILITIES,
    REQUIRES,
    DEPENDS_ON,
    OPTIONAL,
    PROVIDES,
    CREATE,
    LIFECYCLE,
    DESCRIPTION,
];

/// The `ModuleType` variants `kind = ...` accepts, besides `Custom("text")`.
pub(crate) const KINDS: &[&str] = &[
    "DataProcessor",
    "Service",
    "Storage",
    "Network",
    "Security",
    "Monitoring",
];
