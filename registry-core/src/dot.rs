//! The module graph in Graphviz DOT.

use crate::graph::{sorted_indices, Edge, Node, Target};

/// The graph in Graphviz DOT: a box per module labelled with its version, an arrow from each
/// module to what it needs, dashed when optional, labelled with the requirement. Modules and
/// edges are sorted by name, so the text is stable. The build check's `module_graph.dot` and
/// `Registry::to_dot` both come from here.
pub fn to_dot(nodes: &[Node<'_>]) -> String {
    use std::fmt::Write as _;
    fn quoted(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }
    let order = sorted_indices(nodes);
    let mut out = String::from("digraph modules {\n    rankdir=LR;\n    node [shape=box];\n");
    for &i in &order {
        let n = &nodes[i];
        let label = format!("{}\n{}", n.name, n.version);
        let _ = writeln!(out, "    {} [label={}];", quoted(n.name), quoted(&label));
    }
    for &i in &order {
        let n = &nodes[i];
        let mut edges: Vec<(&str, &Edge<'_>)> = n
            .deps
            .iter()
            .map(|e| match e.target {
                Target::Node(t) => (nodes[t].name, e),
                Target::Missing(name) => (name, e),
            })
            .collect();
        edges.sort_by_key(|&(to, _)| to);
        for (to, e) in edges {
            let mut attrs = Vec::new();
            if let Some(req) = e.req {
                attrs.push(format!("label={}", quoted(req.text())));
            }
            if e.optional {
                attrs.push("style=dashed".to_owned());
            }
            if matches!(e.target, Target::Missing(_)) {
                attrs.push("color=red".to_owned());
            }
            let attrs = if attrs.is_empty() {
                String::new()
            } else {
                format!(" [{}]", attrs.join(", "))
            };
            let _ = writeln!(out, "    {} -> {}{attrs};", quoted(n.name), quoted(to));
        }
    }
    out.push_str("}\n");
    out
}
