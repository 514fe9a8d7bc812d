//! The module graph: every whole-graph check and the boot order, in one place.
//!
//! Callers describe their modules as [`Node`]s (the runtime from descriptors, the dynamic
//! registry from configs, the build check from the sources it scanned), so every finding and
//! every message is the same whichever layer reports it.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashSet};

use crate::diag::{Hop, ValidationError};
use crate::location::Location;
use crate::req::{VersionParts, VersionReq};

/// Where an edge points.
#[derive(Clone, Debug)]
pub enum Target<'a> {
    /// A node of the graph, by index.
    Node(usize),
    /// Not in the graph: the name to report.
    Missing(&'a str),
}

/// A dependency edge as the checks see it.
#[derive(Clone, Debug)]
pub struct Edge<'a> {
    /// The module depended on.
    pub target: Target<'a>,
    /// The version requirement, if any.
    pub req: Option<VersionReq<'a>>,
    /// Whether absence is allowed.
    pub optional: bool,
    /// Where the edge was written.
    pub site: Location,
}

/// A module as the checks see it. Callers build these from descriptors, configs or source scans.
#[derive(Clone, Debug)]
pub struct Node<'a> {
    /// The module name.
    pub name: &'a str,
    /// The version, already parsed.
    pub version: semver::Version,
    /// Where the module is declared.
    pub site: Location,
    /// Provided capabilities.
    pub capabilities: Vec<&'a str>,
    /// Required capabilities.
    pub requires: Vec<&'a str>,
    /// Where each required capability is written, when the caller knows (the build check
    /// does): a finding about it points there. Empty, or one per `requires` entry; otherwise
    /// findings point at `site`.
    pub requires_sites: Vec<Location>,
    /// Dependencies.
    pub deps: Vec<Edge<'a>>,
}

/// A capability the application itself requires (`Checker::require_capability`).
#[derive(Clone, Debug)]
pub struct RequiredCapability<'a> {
    /// The capability.
    pub capability: &'a str,
    /// Who asks, e.g. the application crate's name.
    pub by: &'a str,
    /// Where it is asked for.
    pub site: Location,
}

/// Runs every whole-graph check and returns every finding, sorted: duplicates, missing
/// dependencies, versions, capabilities, then cycles.
pub fn check(nodes: &[Node<'_>], required: &[RequiredCapability<'_>]) -> Vec<ValidationError> {
    check_ranked(nodes, required, &|_| false, &Ranking::new(nodes))
}

/// [`check`], then, when it finds nothing, [`topological`]: the names are sorted once for both.
/// A capability for which `provided_elsewhere` holds counts as provided though no node provides
/// it (by modules outside the graph: the registry a subset was taken from, or modules the build
/// check's scan cannot see).
pub fn check_and_order(
    nodes: &[Node<'_>],
    required: &[RequiredCapability<'_>],
    provided_elsewhere: &dyn Fn(&str) -> bool,
) -> Result<Vec<usize>, Vec<ValidationError>> {
    let ranking = Ranking::new(nodes);
    let errors = check_ranked(nodes, required, provided_elsewhere, &ranking);
    if errors.is_empty() {
        Ok(topological_ranked(nodes, &ranking))
    } else {
        Err(errors)
    }
}

fn check_ranked(
    nodes: &[Node<'_>],
    required: &[RequiredCapability<'_>],
    provided_elsewhere: &dyn Fn(&str) -> bool,
    ranking: &Ranking,
) -> Vec<ValidationError> {
    let order = &ranking.order;
    let mut errors = Vec::new();
    check_duplicates(nodes, order, &mut errors);
    check_edges(nodes, order, &mut errors);
    check_capabilities(nodes, order, required, provided_elsewhere, &mut errors);
    check_cycles(nodes, ranking, &mut errors);
    errors
}

/// The nodes sorted by name (then by index, so the order is total even with duplicate names),
/// and each node's place in that order. Every check walks the nodes in this order, so findings
/// come out sorted; after this sort, comparing two nodes by name is comparing two ranks.
struct Ranking {
    order: Vec<usize>,
    rank: Vec<u32>,
}

impl Ranking {
    fn new(nodes: &[Node<'_>]) -> Ranking {
        // The first 16 bytes as a big-endian integer (zero-padded) order two names as `str`
        // does whenever they differ; only names that agree there are compared in full. Module
        // names are short, so the sort rarely reads a string.
        fn prefix(name: &str) -> u128 {
            let bytes = name.as_bytes();
            let mut buf = [0u8; 16];
            let n = bytes.len().min(16);
            buf[..n].copy_from_slice(&bytes[..n]);
            u128::from_be_bytes(buf)
        }
        let mut keys: Vec<(u128, usize)> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (prefix(n.name), i))
            .collect();
        keys.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| nodes[a.1].name.cmp(nodes[b.1].name))
                .then(a.1.cmp(&b.1))
        });
        let order: Vec<usize> = keys.into_iter().map(|(_, i)| i).collect();
        let mut rank = vec![0u32; nodes.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i] = r as u32;
        }
        Ranking { order, rank }
    }
}

/// Two modules must not share a name; each later definition is reported against the first.
fn check_duplicates(nodes: &[Node<'_>], order: &[usize], errors: &mut Vec<ValidationError>) {
    // `order` is sorted by name, so the modules of one name are adjacent.
    for group in order.chunk_by(|&a, &b| nodes[a].name == nodes[b].name) {
        if group.len() < 2 {
            continue;
        }
        let mut defs: Vec<&Node<'_>> = group.iter().map(|&i| &nodes[i]).collect();
        defs.sort_by_key(|a| a.site);
        for later in &defs[1..] {
            errors.push(ValidationError::DuplicateName {
                name: defs[0].name.to_owned(),
                first: defs[0].site,
                second: later.site,
            });
        }
    }
}

/// A required dependency must be present, and a present dependency must satisfy its requirement.
fn check_edges(nodes: &[Node<'_>], order: &[usize], errors: &mut Vec<ValidationError>) {
    let mut why = NeededBy::new(nodes);
    for (n, node) in order.iter().map(|&i| (i, &nodes[i])) {
        for edge in &node.deps {
            match edge.target {
                Target::Missing(name) if !edge.optional => {
                    errors.push(ValidationError::MissingDependency {
                        module: node.name.to_owned(),
                        dependency: name.to_owned(),
                        site: edge.site,
                        needed_by: why.chain(n),
                    });
                }
                Target::Missing(_) => {}
                Target::Node(i) => {
                    let Some(req) = edge.req else { continue };
                    let dep = &nodes[i];
                    if !req.matches(&VersionParts::of(&dep.version)) {
                        errors.push(ValidationError::UnsatisfiedVersion {
                            module: node.name.to_owned(),
                            dependency: dep.name.to_owned(),
                            requirement: req.text().to_owned(),
                            found: dep.version.to_string(),
                            site: edge.site,
                            needed_by: why.chain(n),
                        });
                    }
                }
            }
        }
    }
}

/// Every capability in a `requires` list, or required by the application, must be provided by
/// some module.
fn check_capabilities(
    nodes: &[Node<'_>],
    order: &[usize],
    required: &[RequiredCapability<'_>],
    provided_elsewhere: &dyn Fn(&str) -> bool,
    errors: &mut Vec<ValidationError>,
) {
    let provided: HashSet<&str> = nodes
        .iter()
        .flat_map(|n| n.capabilities.iter().copied())
        .collect();
    let provided = |cap: &str| provided.contains(cap) || provided_elsewhere(cap);
    for req in required {
        if !provided(req.capability) {
            errors.push(ValidationError::MissingCapability {
                capability: req.capability.to_owned(),
                module: req.by.to_owned(),
                site: req.site,
                needed_by: Vec::new(),
            });
        }
    }
    let mut why = NeededBy::new(nodes);
    for (n, node) in order.iter().map(|&i| (i, &nodes[i])) {
        for (k, cap) in node.requires.iter().enumerate() {
            if !provided(cap) {
                errors.push(ValidationError::MissingCapability {
                    capability: (*cap).to_owned(),
                    module: node.name.to_owned(),
                    site: *node.requires_sites.get(k).unwrap_or(&node.site),
                    needed_by: why.chain(n),
                });
            }
        }
    }
}

/// Why a module is needed: the required edges into each node, built on the first question
/// (only errors ask).
struct NeededBy<'n, 'a> {
    nodes: &'n [Node<'a>],
    into: Option<Vec<Vec<(usize, usize)>>>,
}

impl<'n, 'a> NeededBy<'n, 'a> {
    fn new(nodes: &'n [Node<'a>]) -> Self {
        NeededBy { nodes, into: None }
    }

    /// The required edges from a module nothing requires down to `node`, root first. At each
    /// step up, the dependent with the smallest name; a cycle ends the walk.
    fn chain(&mut self, node: usize) -> Vec<Hop> {
        let nodes = self.nodes;
        let into = self.into.get_or_insert_with(|| {
            let mut into = vec![Vec::new(); nodes.len()];
            for (i, n) in nodes.iter().enumerate() {
                for (e, edge) in n.deps.iter().enumerate() {
                    if let (Target::Node(t), false) = (&edge.target, edge.optional) {
                        into[*t].push((i, e));
                    }
                }
            }
            into
        });
        let mut seen = HashSet::from([node]);
        let mut hops = Vec::new();
        let mut current = node;
        while let Some(&(d, e)) = into[current]
            .iter()
            .filter(|(d, _)| !seen.contains(d))
            .min_by_key(|&&(d, e)| (nodes[d].name, d, e))
        {
            hops.push(Hop {
                from: nodes[d].name.to_owned(),
                to: nodes[current].name.to_owned(),
                site: nodes[d].deps[e].site,
            });
            seen.insert(d);
            current = d;
        }
        hops.reverse();
        hops
    }
}

/// The graph of present dependencies (required, and optional ones that are present) must be
/// acyclic. Each cycle is reported once, rotated to start at its smallest module name.
fn check_cycles(nodes: &[Node<'_>], ranking: &Ranking, errors: &mut Vec<ValidationError>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Visiting,
        Done,
    }
    let order = &ranking.order;
    let adjacency = Adjacency::new(nodes, &ranking.rank);
    let mut marks = vec![Mark::New; nodes.len()];
    let mut seen: BTreeSet<Vec<usize>> = BTreeSet::new();
    let mut found: Vec<Vec<(usize, usize)>> = Vec::new();
    // Iterative DFS: (node, next edge to look at). The stack holds the current path.
    for &root in order {
        if marks[root] != Mark::New {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        marks[root] = Mark::Visiting;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let edges = adjacency.of(node);
            if *next >= edges.len() {
                marks[node] = Mark::Done;
                stack.pop();
                continue;
            }
            let (edge_index, target) = edges[*next];
            *next += 1;
            match marks[target] {
                Mark::New => {
                    marks[target] = Mark::Visiting;
                    stack.push((target, 0));
                }
                Mark::Visiting => {
                    let start = stack.iter().position(|&(n, _)| n == target).unwrap_or(0);
                    // Each hop is (node, index of the edge it leaves by).
                    let mut hops: Vec<(usize, usize)> = stack[start..]
                        .iter()
                        .map(|&(n, next)| (n, adjacency.of(n)[next - 1].0))
                        .collect();
                    if let Some(last) = hops.last_mut() {
                        last.1 = edge_index;
                    }
                    let smallest = (0..hops.len())
                        .min_by_key(|&i| nodes[hops[i].0].name)
                        .unwrap_or(0);
                    hops.rotate_left(smallest);
                    if seen.insert(hops.iter().map(|h| h.0).collect()) {
                        found.push(hops);
                    }
                }
                Mark::Done => {}
            }
        }
    }
    found.sort_by(|a, b| {
        let names = |c: &Vec<(usize, usize)>| c.iter().map(|h| nodes[h.0].name).collect::<Vec<_>>();
        names(a).cmp(&names(b))
    });
    for cycle in found {
        let hops = cycle
            .iter()
            .map(|&(n, e)| {
                let edge = &nodes[n].deps[e];
                let to = match edge.target {
                    Target::Node(t) => nodes[t].name,
                    Target::Missing(name) => name,
                };
                Hop {
                    from: nodes[n].name.to_owned(),
                    to: to.to_owned(),
                    site: edge.site,
                }
            })
            .collect();
        errors.push(ValidationError::Cycle { hops });
    }
}

/// The present edges of every node as (edge index, target), ordered by target name, in one
/// flat array: `edges[start[n]..start[n + 1]]` are those of node `n`.
struct Adjacency {
    start: Vec<usize>,
    edges: Vec<(usize, usize)>,
}

impl Adjacency {
    fn new(nodes: &[Node<'_>], rank: &[u32]) -> Adjacency {
        let mut start = Vec::with_capacity(nodes.len() + 1);
        let mut edges = Vec::new();
        start.push(0);
        for node in nodes {
            let from = edges.len();
            edges.extend(
                node.deps
                    .iter()
                    .enumerate()
                    .filter_map(|(i, e)| match e.target {
                        Target::Node(t) => Some((i, t)),
                        Target::Missing(_) => None,
                    }),
            );
            edges[from..].sort_unstable_by_key(|&(i, t)| (rank[t], i));
            start.push(edges.len());
        }
        Adjacency { start, edges }
    }

    fn of(&self, node: usize) -> &[(usize, usize)] {
        &self.edges[self.start[node]..self.start[node + 1]]
    }
}

pub(crate) fn sorted_indices(nodes: &[Node<'_>]) -> Vec<usize> {
    Ranking::new(nodes).order
}

/// The boot order: dependencies before dependents, ties broken by name (then by index, so the
/// order is total even with duplicate names). Kahn's algorithm with a name-ordered ready set;
/// run [`check`] first: on a cycle, the nodes of the cycle are left out.
pub fn topological(nodes: &[Node<'_>]) -> Vec<usize> {
    topological_ranked(nodes, &Ranking::new(nodes))
}

fn topological_ranked(nodes: &[Node<'_>], ranking: &Ranking) -> Vec<usize> {
    let n = nodes.len();
    // Names are compared once, in one sort; the ready heap then compares ranks.
    let Ranking { order, rank } = ranking;
    // Dependents as one flat array (compressed rows): `start[t]..start[t + 1]` are the
    // modules waiting for `t`.
    let mut pending = vec![0u32; n];
    let mut start = vec![0usize; n + 1];
    for node in nodes {
        for edge in &node.deps {
            if let Target::Node(t) = edge.target {
                start[t + 1] += 1;
            }
        }
    }
    for t in 0..n {
        start[t + 1] += start[t];
    }
    let mut fill = start.clone();
    let mut dependents = vec![0u32; start[n]];
    for (i, node) in nodes.iter().enumerate() {
        for edge in &node.deps {
            if let Target::Node(t) = edge.target {
                pending[i] += 1;
                dependents[fill[t]] = i as u32;
                fill[t] += 1;
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<u32>> = (0..n)
        .filter(|&i| pending[i] == 0)
        .map(|i| Reverse(rank[i]))
        .collect();
    let mut out = Vec::with_capacity(n);
    while let Some(Reverse(r)) = ready.pop() {
        let i = order[r as usize];
        out.push(i);
        for &d in &dependents[start[i]..start[i + 1]] {
            let d = d as usize;
            pending[d] -= 1;
            if pending[d] == 0 {
                ready.push(Reverse(rank[d]));
            }
        }
    }
    out
}

/// What adding `nodes[new]` to a graph that passed [`check`] introduces, found from the new
/// node's neighbourhood so that the cost does not grow with the graph (the dynamic registry's
/// `register`). The findings are built by the same code as [`check`]: equal codes and text.
///
/// `nodes` need not be the whole graph. It must hold the new node with all its edges, and:
/// - every node the new node depends on (only its name and version are read: `deps` may be
///   empty), and a node of the same name if there is one;
/// - every node with an edge to the new node, with at least that edge;
/// - for each capability the new node requires, a node providing it, if any module does;
/// - when some edge leads to the new node, every node the new node reaches, with all its edges
///   (a new cycle must pass through the new node, so it lies within that set).
///
/// Only findings that involve the new node are returned, so problems the graph already had do
/// not refuse an unrelated addition.
#[allow(dead_code)] // used by the dynamic registry
pub fn check_addition(nodes: &[Node<'_>], new: usize) -> Vec<ValidationError> {
    let name = nodes[new].name;
    let ranking = Ranking::new(nodes);
    let order = &ranking.order;
    let mut errors = Vec::new();
    // Each check runs only when it can find something that involves the new node: a
    // duplicate needs a second node of its name, a new cycle an edge into it.
    if nodes.iter().filter(|n| n.name == name).count() > 1 {
        check_duplicates(nodes, order, &mut errors);
    }
    check_edges(nodes, order, &mut errors);
    if !nodes[new].requires.is_empty() {
        check_capabilities(nodes, order, &[], &|_| false, &mut errors);
    }
    let into_new = |n: &Node<'_>| {
        n.deps
            .iter()
            .any(|e| matches!(e.target, Target::Node(t) if t == new))
    };
    if nodes.iter().any(into_new) {
        check_cycles(nodes, &ranking, &mut errors);
    }
    errors.retain(|e| match e {
        ValidationError::Cycle { hops } => hops.iter().any(|h| h.from == name),
        ValidationError::DuplicateName { name: n, .. } => n == name,
        ValidationError::UnsatisfiedVersion {
            module, dependency, ..
        } => module == name || dependency == name,
        ValidationError::MissingDependency { module, .. }
        | ValidationError::MissingCapability { module, .. }
        | ValidationError::NotLinked { module, .. }
        | ValidationError::InvalidVersion { module, .. }
        | ValidationError::InvalidCapability { module, .. } => module == name,
        ValidationError::InvalidName { name: n } => n == name,
    });
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str) -> Node<'_> {
        Node {
            name,
            version: semver::Version::new(1, 0, 0),
            site: Location::runtime(),
            capabilities: Vec::new(),
            requires: Vec::new(),
            requires_sites: Vec::new(),
            deps: Vec::new(),
        }
    }

    /// The prefix-keyed sort orders exactly as sorting by `(name, index)` does, including names
    /// that agree on their first 16 bytes, names that are prefixes of others, duplicates and
    /// bytes a module name cannot hold.
    #[test]
    fn ranking_is_the_name_order() {
        let names = [
            "billing-worker-3",
            "billing-worker-30",
            "billing-worker-3",
            "billing-worker",
            "payments-service-12",
            "payments-service-11",
            "payments-service-1",
            "payments-service",
            "a",
            "a\0",
            "",
            "a-b",
            "zz",
            "\u{e9}t\u{e9}",
            "storage-store-xxxxxxxxxxxxxxxxxxxxxxxx-2",
            "storage-store-xxxxxxxxxxxxxxxxxxxxxxxx-10",
        ];
        let nodes: Vec<Node<'_>> = names.iter().map(|n| node(n)).collect();
        let mut expected: Vec<usize> = (0..nodes.len()).collect();
        expected.sort_by_key(|&i| (names[i], i));
        let ranking = Ranking::new(&nodes);
        assert_eq!(ranking.order, expected);
        for (r, &i) in ranking.order.iter().enumerate() {
            assert_eq!(ranking.rank[i] as usize, r);
        }
    }
}
