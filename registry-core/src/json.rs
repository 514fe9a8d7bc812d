//! The module graph as JSON: one schema for `Registry::to_json()` and the build check's
//! `module_graph.json`.
//!
//! Fields a layer cannot know are `null` (or empty): the build check knows the package and the
//! path a dependency was written as; the runtime knows which module a dependency resolved to.

use serde::{Deserialize, Serialize};

use crate::location::Location;
use crate::version::ModuleType;

/// The whole document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The package whose build check wrote it; `null` from the runtime.
    pub package: Option<String>,
    /// Capabilities the application itself requires.
    pub required_capabilities: Vec<String>,
    /// Module names in boot order; empty when the graph is invalid.
    pub boot_order: Vec<String>,
    /// Every module, sorted by name.
    pub modules: Vec<ModuleEntry>,
}

/// One module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleEntry {
    /// The module name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Its kind: `"Storage"`, or `{"Custom": "text"}`.
    pub kind: ModuleType,
    /// The Rust path of the module type.
    pub type_name: String,
    /// The package that defines it, when known.
    pub package: Option<String>,
    /// Where the derive is.
    #[serde(flatten)]
    pub location: Place,
    /// Provided capabilities.
    pub capabilities: Vec<String>,
    /// Required capabilities.
    pub requires: Vec<String>,
    /// `provides = [dyn Trait]` entries as written.
    pub provides: Vec<String>,
    /// The description, or the doc comment.
    pub description: String,
    /// `depends_on`, then `optional`.
    pub dependencies: Vec<DependencyEntry>,
}

/// One dependency of a module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependencyEntry {
    /// The module it resolved to, when known.
    pub module: Option<String>,
    /// The type path as written, when known.
    pub path: Option<String>,
    /// The version requirement as written.
    pub requirement: Option<String>,
    /// Whether it is listed under `optional`.
    pub optional: bool,
    /// Where it is written.
    #[serde(flatten)]
    pub location: Place,
}

/// `file`, `line` and `column`, flattened into the object that has them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl From<&Location> for Place {
    fn from(l: &Location) -> Self {
        Place {
            file: l.file().to_owned(),
            line: l.line(),
            column: l.column(),
        }
    }
}

impl Manifest {
    /// Pretty-printed JSON, modules sorted by name.
    pub fn to_json(&mut self) -> String {
        self.modules.sort_by(|a, b| a.name.cmp(&b.name));
        // Serializing these types cannot fail: every map key is a string.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
