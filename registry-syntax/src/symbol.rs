//! Every key of `#[module(...)]`, declared once.

/// `module`.
pub const MODULE: &str = "module";
/// `name`.
pub const NAME: &str = "name";
/// `version`.
pub const VERSION: &str = "version";
/// `kind`.
pub const KIND: &str = "kind";
/// `capabilities`.
pub const CAPABILITIES: &str = "capabilities";
/// `requires`.
pub const REQUIRES: &str = "requires";
/// `depends_on`.
pub const DEPENDS_ON: &str = "depends_on";
/// `optional`.
pub const OPTIONAL: &str = "optional";
/// `provides`.
pub const PROVIDES: &str = "provides";
/// `create`.
pub const CREATE: &str = "create";
/// `lifecycle`.
pub const LIFECYCLE: &str = "lifecycle";
/// `description`.
pub const DESCRIPTION: &str = "description";

/// In the order the docs list them; used for "expected one of" and "did you mean".
pub const KEYS: &[&str] = &[
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
pub const KINDS: &[&str] = &[
    "DataProcessor",
    "Service",
    "Storage",
    "Network",
    "Security",
    "Monitoring",
];
