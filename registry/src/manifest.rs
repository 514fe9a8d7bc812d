//! The registry as data: Graphviz DOT and a JSON manifest.

use module_registry_core::dot;
use module_registry_core::json::{DependencyEntry, Manifest, ModuleEntry, Place};

use crate::descriptor::ModuleDescriptor;
use crate::registry::Registry;

impl Registry {
    /// The dependency graph in Graphviz DOT, the same text the build check writes to
    /// `OUT_DIR/module_graph.dot` for the same modules. Render with `dot -Tsvg`.
    pub fn to_dot(&self) -> String {
        dot::to_dot(&self.nodes())
    }

    /// A JSON manifest: every module (sorted by name) with its version, kind, type, location,
    /// capabilities, requirements, description and dependencies, plus the boot order (empty
    /// when the graph is invalid). The schema is the build check's `module_graph.json`.
    pub fn to_json(&self) -> String {
        let module = |d: &'static ModuleDescriptor| ModuleEntry {
            name: d.name().to_owned(),
            version: d.version().to_string(),
            kind: d.kind().clone(),
            type_name: d.type_name().to_owned(),
            package: None,
            location: Place::from(d.location()),
            capabilities: strings(d.capabilities()),
            requires: strings(d.requires()),
            provides: d.provides().iter().map(|p| p.name().to_owned()).collect(),
            description: d.description().to_owned(),
            dependencies: d
                .dependencies()
                .iter()
                .map(|dep| DependencyEntry {
                    module: Some(dep.name().to_owned()),
                    path: Some(dep.descriptor().type_name().to_owned()),
                    requirement: dep.version_req().map(str::to_owned),
                    optional: dep.is_optional(),
                    location: Place::from(dep.location()),
                })
                .collect(),
        };
        Manifest {
            package: None,
            required_capabilities: Vec::new(),
            boot_order: self
                .init_order()
                .unwrap_or_default()
                .iter()
                .map(|d| d.name().to_owned())
                .collect(),
            modules: self.modules().map(module).collect(),
        }
        .to_json()
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}
