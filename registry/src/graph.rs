//! The module graph: every whole-graph check and the boot order, in one place.
//!
//! This file depends only on `std`, `semver` and `thiserror`, so the build check
//! (`module-registry-build`) compiles the very same file with `#[path]`, and the static registry,
//! the dynamic registry and the build script agree on every finding and every message.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet};
use std::fmt;

/// A place in the source: `file:line:column`.
///
/// Sites order by file, line and column, and [`Site::runtime`] after every source site: a
/// module registered at run time comes after the linked ones, so a duplicate name's "first
/// defined at" is the linked module.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Site {
    /// The file, as `file!()` or the build check names it.
    pub file: Cow<'static, str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl Site {
    /// A site for a module that was registered at run time and has no source location.
    pub fn runtime() -> Self {
        Site {
            file: Cow::Borrowed("<registered at run time>"),
            line: 0,
            column: 0,
        }
    }
}

impl Site {
    fn is_runtime(&self) -> bool {
        self.line == 0 && *self.file == *Site::runtime().file
    }
}

impl Ord for Site {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.is_runtime(), &self.file, self.line, self.column).cmp(&(
            other.is_runtime(),
            &other.file,
            other.line,
            other.column,
        ))
    }
}

impl PartialOrd for Site {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

/// One hop of a dependency chain: `from` needs `to`, written at `site`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    /// The dependent module.
    pub from: String,
    /// The module it depends on.
    pub to: String,
    /// Where the dependency was written.
    pub site: Site,
}

impl fmt::Display for Hop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} needs {}  ({})", self.from, self.to, self.site)
    }
}

/// One problem of the module graph. Each variant has a stable code (see [`ValidationError::code`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
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
        site: Site,
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
        site: Site,
        /// Why `module` is needed, as for [`ValidationError::MissingDependency`].
        needed_by: Vec<Hop>,
    },
    /// `MR0004`: two modules share a name.
    #[error("duplicate module name \"{name}\": defined at {first} and at {second}")]
    DuplicateName {
        /// The shared name.
        name: String,
        /// The first definition.
        first: Site,
        /// The second definition.
        second: Site,
    },
    /// `MR0005`: a required capability is provided by no module.
    #[error("capability \"{capability}\" required by \"{module}\" is not provided by any module")]
    MissingCapability {
        /// The capability.
        capability: String,
        /// Who requires it: a module name, or the application.
        module: String,
        /// Where it is required.
        site: Site,
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
        site: Site,
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
    #[error("invalid module name \"{name}\": expected 1 to 64 characters, lowercase words of [a-z0-9] joined by `-`")]
    InvalidName {
        /// The name as given.
        name: String,
    },
    /// `MR0008`: a capability does not follow the rule of names (the derive's `invalid
    /// capability`).
    #[error("invalid capability \"{capability}\" of module \"{module}\": expected 1 to 64 characters, lowercase words of [a-z0-9] joined by `-`")]
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
    pub fn site(&self) -> Option<&Site> {
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
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// The semver requirement as written.
    pub req: Option<&'a str>,
    /// Whether absence is allowed.
    pub optional: bool,
    /// Where the edge was written.
    pub site: Site,
}

/// A module as the checks see it. Callers build these from descriptors, configs or source scans.
#[derive(Clone, Debug)]
pub struct Node<'a> {
    /// The module name.
    pub name: &'a str,
    /// The version, already parsed.
    pub version: semver::Version,
    /// Where the module is declared.
    pub site: Site,
    /// Provided capabilities.
    pub capabilities: Vec<&'a str>,
    /// Required capabilities.
    pub requires: Vec<&'a str>,
    /// Dependencies.
    pub deps: Vec<Edge<'a>>,
}

/// A capability the application itself requires (`Checker::require_capability`).
#[derive(Clone, Debug)]
pub struct Requirement<'a> {
    /// The capability.
    pub capability: &'a str,
    /// Who asks, e.g. the application crate's name.
    pub by: &'a str,
    /// Where it is asked for.
    pub site: Site,
}

/// Whether `name` is a valid module name or capability: 1 to 64 characters, `[a-z0-9]` words
/// joined by single `-`.
#[allow(dead_code)] // used by the dynamic registry
pub fn is_valid_name(name: &str) -> bool {
    /// 1 for `[a-z0-9]`, 2 for `-`, 0 for anything else.
    const CLASS: [u8; 256] = {
        let mut class = [0u8; 256];
        let mut c = 0;
        while c < 256 {
            let b = c as u8;
            class[c] = if b.is_ascii_lowercase() || b.is_ascii_digit() {
                1
            } else if b == b'-' {
                2
            } else {
                0
            };
            c += 1;
        }
        class
    };
    let b = name.as_bytes();
    if b.is_empty() || b.len() > 64 {
        return false;
    }
    // One pass without early exits (names are short): a byte outside the classes, or a `-`
    // after a `-`, marks the name bad; a leading `-` counts as following one.
    let mut bad = 0u8;
    let mut prev = 2u8;
    for &c in b {
        let class = CLASS[c as usize];
        bad |= u8::from(class == 0) | (class & prev & 2);
        prev = class;
    }
    bad == 0 && prev != 2
}

/// Runs every whole-graph check and returns every finding, sorted: duplicates, missing
/// dependencies, versions, capabilities, then cycles.
pub fn check(nodes: &[Node<'_>], required: &[Requirement<'_>]) -> Vec<ValidationError> {
    check_ranked(nodes, required, &|_| false, &Ranking::new(nodes))
}

/// [`check`], then, when it finds nothing, [`topological`]: the names are sorted once for both.
/// A capability for which `provided_elsewhere` holds counts as provided though no node provides
/// it (by modules outside the graph: the registry a subset was taken from, or modules the build
/// check's scan cannot see).
pub fn check_and_order(
    nodes: &[Node<'_>],
    required: &[Requirement<'_>],
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
    required: &[Requirement<'_>],
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
        defs.sort_by(|a, b| a.site.cmp(&b.site));
        for later in &defs[1..] {
            errors.push(ValidationError::DuplicateName {
                name: defs[0].name.to_owned(),
                first: defs[0].site.clone(),
                second: later.site.clone(),
            });
        }
    }
}

/// A required dependency must be present, and a present dependency must satisfy its requirement.
fn check_edges(nodes: &[Node<'_>], order: &[usize], errors: &mut Vec<ValidationError>) {
    let mut reqs: HashMap<&str, Result<semver::VersionReq, semver::Error>> = HashMap::new();
    let mut why = NeededBy::new(nodes);
    for (n, node) in order.iter().map(|&i| (i, &nodes[i])) {
        for edge in &node.deps {
            match edge.target {
                Target::Missing(name) if !edge.optional => {
                    errors.push(ValidationError::MissingDependency {
                        module: node.name.to_owned(),
                        dependency: name.to_owned(),
                        site: edge.site.clone(),
                        needed_by: why.chain(n),
                    });
                }
                Target::Missing(_) => {}
                Target::Node(i) => {
                    let Some(text) = edge.req else { continue };
                    let dep = &nodes[i];
                    // Applications repeat a few requirements (`^1`) many times: parse each once.
                    let parsed = reqs
                        .entry(text)
                        .or_insert_with(|| semver::VersionReq::parse(text));
                    match parsed {
                        Ok(req) if req.matches(&dep.version) => {}
                        Ok(_) => errors.push(ValidationError::UnsatisfiedVersion {
                            module: node.name.to_owned(),
                            dependency: dep.name.to_owned(),
                            requirement: text.to_owned(),
                            found: dep.version.to_string(),
                            site: edge.site.clone(),
                            needed_by: why.chain(n),
                        }),
                        Err(e) => errors.push(ValidationError::InvalidVersion {
                            module: node.name.to_owned(),
                            what: "version requirement",
                            text: text.to_owned(),
                            reason: e.to_string(),
                        }),
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
    required: &[Requirement<'_>],
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
                site: req.site.clone(),
                needed_by: Vec::new(),
            });
        }
    }
    let mut why = NeededBy::new(nodes);
    for (n, node) in order.iter().map(|&i| (i, &nodes[i])) {
        for cap in &node.requires {
            if !provided(cap) {
                errors.push(ValidationError::MissingCapability {
                    capability: (*cap).to_owned(),
                    module: node.name.to_owned(),
                    site: node.site.clone(),
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
                site: nodes[d].deps[e].site.clone(),
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
                    site: edge.site.clone(),
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

fn sorted_indices(nodes: &[Node<'_>]) -> Vec<usize> {
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
                attrs.push(format!("label={}", quoted(req)));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass name rule agrees with its definition (words of `[a-z0-9]` joined by single
    /// `-`, 1 to 64 characters) on every string of up to 6 characters over a mixed alphabet.
    #[test]
    fn name_rule_agrees_with_its_definition() {
        let by_definition = |name: &str| {
            !name.is_empty()
                && name.len() <= 64
                && name.split('-').all(|w| {
                    !w.is_empty()
                        && w.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                })
        };
        let alphabet = ["a", "z", "0", "9", "-", "A", "_", " ", "é"];
        let mut words = vec![String::new()];
        for _ in 0..6 {
            let longer: Vec<String> = words
                .iter()
                .filter(|w| w.chars().count() == words.last().unwrap().chars().count())
                .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                .collect();
            words.extend(longer);
        }
        assert!(words.len() > 500_000);
        for w in &words {
            assert_eq!(is_valid_name(w), by_definition(w), "{w:?}");
        }
        // Longer names, over several words: valid names of 7 to 70 characters (words joined by
        // single `-`), half of them with one character replaced by any of the alphabet.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n) as usize
        };
        let (mut valid, mut total) = (0, 0);
        for _ in 0..200_000 {
            let len = 7 + next(64);
            let mut w: Vec<char> = Vec::with_capacity(len);
            while w.len() < len {
                if !w.is_empty() && w.len() + 1 < len && next(5) == 0 && w[w.len() - 1] != '-' {
                    w.push('-');
                } else {
                    w.push(['a', 'k', 'z', '0', '5', '9'][next(6)]);
                }
            }
            if next(2) == 0 {
                let i = next(len as u64);
                w[i] = alphabet[next(alphabet.len() as u64)]
                    .chars()
                    .next()
                    .unwrap();
            }
            let w: String = w.into_iter().collect();
            assert_eq!(is_valid_name(&w), by_definition(&w), "{w:?}");
            valid += usize::from(by_definition(&w));
            total += 1;
        }
        assert!(
            valid > total / 3 && valid < total * 9 / 10,
            "{valid} of {total}"
        );
        for (name, valid) in [
            ("a".repeat(64), true),
            ("a".repeat(65), false),
            (format!("{}-b", "a".repeat(62)), true),
            (format!("{}-b", "a".repeat(63)), false),
        ] {
            assert_eq!(is_valid_name(&name), valid, "{name}");
        }
    }

    fn node(name: &str) -> Node<'_> {
        Node {
            name,
            version: semver::Version::new(1, 0, 0),
            site: Site::runtime(),
            capabilities: Vec::new(),
            requires: Vec::new(),
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
