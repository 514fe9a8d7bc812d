//! The registry's tables and graph, guarded by the `ModuleRegistry`'s lock.

use std::borrow::Borrow;
use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

use crate::descriptor::ModuleDescriptor;
use crate::dynamic::config::{Entry, Origin};
use crate::dynamic::query::{CapabilityQuery, DiscoveryQuery};
use crate::error::ValidationError;
use crate::graph::{self, Edge, Node, Site, Target};
use crate::registry::Registry;

/// Results up to this size are sorted directly; larger ones follow the cached name order.
const SMALL: usize = 64;

/// An entry in the name set, hashed and compared by name, so the set needs no second copy of
/// each name.
struct ByName(Arc<Entry>);

impl Hash for ByName {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.0.name.hash(h);
    }
}

impl PartialEq for ByName {
    fn eq(&self, other: &Self) -> bool {
        self.0.name == other.0.name
    }
}

impl Eq for ByName {}

impl Borrow<str> for ByName {
    fn borrow(&self) -> &str {
        &self.0.name
    }
}

pub(crate) struct State {
    /// Every module, in registration order (linked ones first).
    entries: Vec<Arc<Entry>>,
    /// The first module of each name.
    by_name: HashSet<ByName>,
    /// Capability → positions of the modules that provide it.
    by_capability: HashMap<String, Vec<u32>>,
    /// Per module, per dependency: the position it resolved to, if present.
    links: Vec<Box<[Option<u32>]>>,
    /// Optional dependencies of registered modules on names not registered yet:
    /// name → (dependent, dependency index).
    awaiting: HashMap<String, Vec<(u32, u32)>>,
    /// Positions sorted by name, built on the first large query after a change.
    order: OnceLock<Box<[u32]>>,
}

/// What `create` builds, worked out under the lock.
pub(crate) struct Plan {
    pub(crate) root: Arc<Entry>,
    /// Linked modules that the dynamic ones (or the root) need: booted as a static subset.
    pub(crate) linked: Vec<&'static ModuleDescriptor>,
    /// Dynamic modules, dependencies first.
    pub(crate) dynamic: Vec<Arc<Entry>>,
}

impl State {
    /// Every module of `registry`; its edges resolve to its own modules only.
    pub(crate) fn linked(registry: &Registry) -> State {
        let descriptors: Vec<&'static ModuleDescriptor> = registry.modules().collect();
        let positions: HashMap<*const ModuleDescriptor, u32> = descriptors
            .iter()
            .enumerate()
            .map(|(i, d)| (*d as *const ModuleDescriptor, i as u32))
            .collect();
        let mut state = State {
            entries: Vec::with_capacity(descriptors.len()),
            by_name: HashSet::with_capacity(descriptors.len()),
            by_capability: HashMap::default(),
            links: Vec::with_capacity(descriptors.len()),
            awaiting: HashMap::default(),
            order: OnceLock::new(),
        };
        for (i, d) in descriptors.iter().enumerate() {
            let entry = Arc::new(Entry::linked(d, i as u32));
            state.index_capabilities(&entry);
            if !state.by_name.contains(d.name()) {
                state.by_name.insert(ByName(entry.clone()));
            }
            state.entries.push(entry);
            state.links.push(
                d.dependencies()
                    .iter()
                    .map(|dep| {
                        positions
                            .get(&(dep.descriptor() as *const ModuleDescriptor))
                            .copied()
                    })
                    .collect(),
            );
        }
        state
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn entries(&self) -> &[Arc<Entry>] {
        &self.entries
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<&Arc<Entry>> {
        self.by_name.get(name).map(|b| &b.0)
    }

    fn index_capabilities(&mut self, entry: &Entry) {
        for cap in entry.capabilities.iter() {
            match self.by_capability.get_mut(&**cap) {
                Some(list) => list.push(entry.index),
                None => {
                    self.by_capability.insert(cap.clone(), vec![entry.index]);
                }
            }
        }
    }

    /// Adds `entry`, or returns what refuses it and changes nothing.
    pub(crate) fn register(
        &mut self,
        mut entry: Entry,
    ) -> Result<Arc<Entry>, (String, Vec<ValidationError>)> {
        let duplicate = self.lookup(&entry.name).map(|e| e.index);
        let resolved: Box<[Option<u32>]> = entry
            .deps
            .iter()
            .map(|d| self.lookup(&d.name).map(|e| e.index))
            .collect();
        // Nothing to check beyond the strings when no edge touches another module's version,
        // nothing is missing or required, and nothing waits for this name.
        let plain = duplicate.is_none()
            && entry.requires.is_empty()
            && !self.awaiting.contains_key(&*entry.name)
            && entry
                .deps
                .iter()
                .zip(resolved.iter())
                .all(|(d, r)| match r {
                    Some(_) => d.req.is_none(),
                    None => d.optional && d.name != *entry.name,
                });
        if !plain {
            let errors = self.check(&entry, duplicate, &resolved);
            if !errors.is_empty() {
                return Err((entry.name, errors));
            }
        }
        let index = self.entries.len() as u32;
        entry.index = index;
        for (i, (d, r)) in entry.deps.iter().zip(resolved.iter()).enumerate() {
            if r.is_none() {
                // Only optional edges get here: a missing required one was refused.
                match self.awaiting.get_mut(d.name.as_str()) {
                    Some(list) => list.push((index, i as u32)),
                    None => {
                        self.awaiting
                            .insert(d.name.as_str().into(), vec![(index, i as u32)]);
                    }
                }
            }
        }
        if let Some(waiting) = self.awaiting.remove(&*entry.name) {
            for (g, i) in waiting {
                self.links[g as usize][i as usize] = Some(index);
            }
        }
        let entry = Arc::new(entry);
        self.index_capabilities(&entry);
        self.by_name.insert(ByName(entry.clone()));
        self.links.push(resolved);
        self.entries.push(entry.clone());
        self.order.take();
        Ok(entry)
    }

    /// The findings adding `entry` would introduce: the new node's neighbourhood, handed to
    /// [`graph::check_addition`].
    fn check<'s>(
        &'s self,
        entry: &'s Entry,
        duplicate: Option<u32>,
        resolved: &[Option<u32>],
    ) -> Vec<ValidationError> {
        let mut hood = Hood {
            nodes: vec![Node {
                name: &entry.name,
                version: entry.version.clone(),
                site: Site::runtime(),
                capabilities: entry.capabilities.iter().map(|c| &**c).collect(),
                requires: entry.requires.iter().map(|c| &**c).collect(),
                deps: Vec::new(),
            }],
            local: HashMap::new(),
            entries: &self.entries,
        };
        let mut deps = Vec::with_capacity(entry.deps.len());
        for (d, r) in entry.deps.iter().zip(resolved) {
            let target = match r {
                Some(g) => Target::Node(hood.stub(*g)),
                None if d.name == *entry.name => Target::Node(0),
                None => Target::Missing(&d.name),
            };
            deps.push(Edge {
                target,
                req: d.req.as_deref(),
                optional: d.optional,
                site: Site::runtime(),
            });
        }
        hood.nodes[0].deps = deps;
        if let Some(g) = duplicate {
            hood.stub(g);
        }
        for cap in entry.requires.iter() {
            if entry.has_capability(cap) {
                continue;
            }
            if let Some(&g) = self.by_capability.get(&**cap).and_then(|l| l.first()) {
                let l = hood.stub(g);
                hood.nodes[l].capabilities.push(cap);
            }
        }
        if let Some(incoming) = self.awaiting.get(&*entry.name) {
            // A new cycle runs through the new node: every node it reaches, with all edges.
            let mut reached: HashSet<u32> = HashSet::new();
            let mut stack: Vec<u32> = resolved.iter().flatten().copied().collect();
            while let Some(g) = stack.pop() {
                if reached.insert(g) {
                    stack.extend(self.links[g as usize].iter().flatten());
                }
            }
            for &g in &reached {
                let e = &self.entries[g as usize];
                let dynamic = !matches!(e.origin, Origin::Linked(_));
                let edges = e
                    .deps
                    .iter()
                    .enumerate()
                    .map(|(i, d)| Edge {
                        target: match self.links[g as usize][i] {
                            Some(t) => Target::Node(hood.stub(t)),
                            None if dynamic && d.name == *entry.name => Target::Node(0),
                            None => Target::Missing(&d.name),
                        },
                        req: d.req.as_deref(),
                        optional: d.optional,
                        site: e.dep_site(i),
                    })
                    .collect();
                let l = hood.stub(g);
                hood.nodes[l].deps = edges;
            }
            for &(g, i) in incoming.iter().filter(|(g, _)| !reached.contains(g)) {
                let e = &self.entries[g as usize];
                let d = &e.deps[i as usize];
                let l = hood.stub(g);
                hood.nodes[l].deps.push(Edge {
                    target: Target::Node(0),
                    req: d.req.as_deref(),
                    optional: d.optional,
                    site: e.dep_site(i as usize),
                });
            }
        }
        graph::check_addition(&hood.nodes, 0)
    }

    /// Modules matching `query`, by name.
    pub(crate) fn discover(&self, query: &DiscoveryQuery) -> Vec<Arc<Entry>> {
        let hits = self
            .entries
            .iter()
            .filter(|e| query.matches_entry(e))
            .map(|e| (0, e.index))
            .collect();
        self.rank(hits)
    }

    /// Modules providing every required capability, most optional ones first, then by name.
    pub(crate) fn discover_capabilities(&self, query: &CapabilityQuery) -> Vec<Arc<Entry>> {
        let mut shortest: Option<&[u32]> = None;
        for cap in query.required_capabilities() {
            match self.by_capability.get(cap.as_str()) {
                Some(list) if shortest.is_none_or(|s| list.len() < s.len()) => {
                    shortest = Some(list);
                }
                Some(_) => {}
                None => return Vec::new(),
            }
        }
        let score = |i: u32| {
            query
                .score_entry(&self.entries[i as usize])
                .map(|s| (s as u32, i))
        };
        let hits = match shortest {
            Some(list) => list.iter().filter_map(|&i| score(i)).collect(),
            None => (0..self.entries.len() as u32).filter_map(score).collect(),
        };
        self.rank(hits)
    }

    /// Sorts `(score, position)` pairs by score (highest first), then by name. Small answers
    /// are sorted directly; large ones follow the cached name order, built if need be.
    fn rank(&self, mut hits: Vec<(u32, u32)>) -> Vec<Arc<Entry>> {
        let order = match self.order.get() {
            Some(order) if hits.len() > SMALL => Some(&**order),
            _ if hits.len() <= SMALL.max(self.entries.len() / 8) => None,
            _ => Some(self.order()),
        };
        match order {
            None => hits.sort_unstable_by(|a, b| {
                let (ea, eb) = (&self.entries[a.1 as usize], &self.entries[b.1 as usize]);
                (Reverse(a.0), &ea.name, a.1).cmp(&(Reverse(b.0), &eb.name, b.1))
            }),
            Some(order) => {
                let mut score = vec![u32::MAX; self.entries.len()];
                for &(s, i) in &hits {
                    score[i as usize] = s;
                }
                hits.clear();
                hits.extend(
                    order
                        .iter()
                        .filter(|&&i| score[i as usize] != u32::MAX)
                        .map(|&i| (score[i as usize], i)),
                );
                // Stable: keeps name order within a score.
                hits.sort_by_key(|&(s, _)| Reverse(s));
            }
        }
        hits.into_iter()
            .map(|(_, i)| self.entries[i as usize].clone())
            .collect()
    }

    fn order(&self) -> &[u32] {
        self.order.get_or_init(|| {
            let mut keyed: Vec<(&str, u32)> = self
                .entries
                .iter()
                .map(|e| (e.name.as_str(), e.index))
                .collect();
            keyed.sort_unstable();
            keyed.into_iter().map(|(_, i)| i).collect()
        })
    }

    /// The whole graph, as the checks see it.
    pub(crate) fn nodes(&self) -> Vec<Node<'_>> {
        self.entries
            .iter()
            .zip(&self.links)
            .map(|(e, links)| Node {
                name: &e.name,
                version: e.version.clone(),
                site: e.site(),
                capabilities: e.capabilities.iter().map(|c| &**c).collect(),
                requires: e.requires.iter().map(|c| &**c).collect(),
                deps: e
                    .deps
                    .iter()
                    .zip(links.iter())
                    .enumerate()
                    .map(|(i, (d, l))| Edge {
                        target: match l {
                            Some(t) => Target::Node(*t as usize),
                            None => Target::Missing(&d.name),
                        },
                        req: d.req.as_deref(),
                        optional: d.optional,
                        site: e.dep_site(i),
                    })
                    .collect(),
            })
            .collect()
    }

    /// What `create(name)` builds: linked modules are left to the static runtime, dynamic ones
    /// are ordered by the shared topological sort.
    pub(crate) fn plan(&self, name: &str) -> Option<Plan> {
        let root = self.lookup(name)?.clone();
        let mut linked = Vec::new();
        let mut dynamic: Vec<u32> = Vec::new();
        let mut seen: HashSet<u32> = HashSet::new();
        let mut stack = vec![root.index];
        while let Some(g) = stack.pop() {
            if !seen.insert(g) {
                continue;
            }
            match self.entries[g as usize].origin {
                // A linked module depends on linked modules only: its subset boots them.
                Origin::Linked(d) => linked.push(d),
                _ => {
                    dynamic.push(g);
                    stack.extend(self.links[g as usize].iter().flatten());
                }
            }
        }
        let local: HashMap<u32, usize> = dynamic.iter().enumerate().map(|(l, &g)| (g, l)).collect();
        let nodes: Vec<Node<'_>> = dynamic
            .iter()
            .map(|&g| {
                let e = &self.entries[g as usize];
                Node {
                    name: &e.name,
                    version: e.version.clone(),
                    site: Site::runtime(),
                    capabilities: Vec::new(),
                    requires: Vec::new(),
                    deps: self.links[g as usize]
                        .iter()
                        .flatten()
                        .filter_map(|t| local.get(t))
                        .map(|&l| Edge {
                            target: Target::Node(l),
                            req: None,
                            optional: false,
                            site: Site::runtime(),
                        })
                        .collect(),
                }
            })
            .collect();
        let dynamic = graph::topological(&nodes)
            .into_iter()
            .map(|l| self.entries[dynamic[l] as usize].clone())
            .collect();
        Some(Plan {
            root,
            linked,
            dynamic,
        })
    }
}

/// The part of the graph one registration can affect, as graph nodes.
struct Hood<'s> {
    nodes: Vec<Node<'s>>,
    /// Registry position → node index.
    local: HashMap<u32, usize>,
    entries: &'s [Arc<Entry>],
}

impl<'s> Hood<'s> {
    /// The node of registry position `g`: name, version and site, edges added by the caller.
    fn stub(&mut self, g: u32) -> usize {
        if let Some(&l) = self.local.get(&g) {
            return l;
        }
        let e = &self.entries[g as usize];
        self.nodes.push(Node {
            name: &e.name,
            version: e.version.clone(),
            site: e.site(),
            capabilities: Vec::new(),
            requires: Vec::new(),
            deps: Vec::new(),
        });
        self.local.insert(g, self.nodes.len() - 1);
        self.nodes.len() - 1
    }
}
