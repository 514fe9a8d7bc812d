//! The registry as data: Graphviz DOT and a JSON manifest.

use std::fmt::Write as _;

use crate::descriptor::ModuleDescriptor;
use crate::graph;
use crate::registry::Registry;

impl Registry {
    /// The dependency graph in Graphviz DOT, the same text the build check writes to
    /// `OUT_DIR/module_graph.dot` for the same modules. Render with `dot -Tsvg`.
    pub fn to_dot(&self) -> String {
        graph::to_dot(&self.nodes())
    }

    /// A JSON manifest: every module (sorted by name) with its version, kind, type, location,
    /// capabilities, requirements, description and dependencies, plus the boot order (empty
    /// when the graph is invalid). The fields of a module are those of the build check's
    /// `module_graph.json`.
    pub fn to_json(&self) -> String {
        let mut modules: Vec<&'static ModuleDescriptor> = self.modules().collect();
        modules.sort_by_key(|d| d.name());
        let mut out = String::from("{\n  \"modules\": [");
        for (i, d) in modules.iter().enumerate() {
            out.push_str(if i == 0 { "\n    {" } else { ",\n    {" });
            field(&mut out, "name", d.name(), true);
            field(&mut out, "version", &d.version().to_string(), false);
            field(&mut out, "kind", d.kind().as_str(), false);
            field(&mut out, "type_name", d.type_name(), false);
            location(
                &mut out,
                d.location().file(),
                d.location().line(),
                d.location().column(),
            );
            list(&mut out, "capabilities", d.capabilities());
            list(&mut out, "requires", d.requires());
            let provides: Vec<&str> = d.provides().iter().map(|p| p.name()).collect();
            list(&mut out, "provides", &provides);
            field(&mut out, "description", d.description(), false);
            out.push_str(", \"dependencies\": [");
            for (j, dep) in d.dependencies().iter().enumerate() {
                out.push_str(if j == 0 { "{" } else { ", {" });
                field(&mut out, "module", dep.name(), true);
                out.push_str(", \"requirement\": ");
                match dep.version_req() {
                    Some(req) => string(&mut out, req),
                    None => out.push_str("null"),
                }
                let _ = write!(out, ", \"optional\": {}", dep.is_optional());
                let l = dep.location();
                location(&mut out, l.file(), l.line(), l.column());
                out.push('}');
            }
            out.push_str("]}");
        }
        out.push_str("\n  ],\n  \"boot_order\": [");
        let order = self.init_order().unwrap_or_default();
        for (i, d) in order.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            string(&mut out, d.name());
        }
        out.push_str("]\n}\n");
        out
    }
}

fn field(out: &mut String, key: &str, value: &str, first: bool) {
    if !first {
        out.push_str(", ");
    }
    string(out, key);
    out.push_str(": ");
    string(out, value);
}

fn location(out: &mut String, file: &str, line: u32, column: u32) {
    field(out, "file", file, false);
    let _ = write!(out, ", \"line\": {line}, \"column\": {column}");
}

fn list(out: &mut String, key: &str, items: &[&str]) {
    out.push_str(", ");
    string(out, key);
    out.push_str(": [");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        string(out, item);
    }
    out.push(']');
}

/// A JSON string literal (RFC 8259 escapes).
fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
