//! The registry's tables and graph, guarded by the `ModuleRegistry`'s lock.

use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use crate::descriptor::ModuleDescriptor;
use crate::dynamic::config::{Entry, Origin, Parsed};
use crate::dynamic::query::{self, CapabilityQuery, DiscoveryQuery};
use crate::error::ValidationError;
use crate::registry::Registry;
use crate::table::{self, Table};
use module_registry_core::graph::{self, Edge, Node, Target};
use module_registry_core::location::Location;
use module_registry_core::req::VersionParts;

/// Results up to this size are sorted directly; larger ones follow the cached name order.
const SMALL: usize = 64;

/// Ends a chain of [`Wait`]s.
const NONE: u32 = u32::MAX;
/// An `awaiting` value whose name has registered since: the key stays, matching nothing.
const RESOLVED: u32 = u32::MAX - 1;

/// Dependency `dep` of module `dependent` waits for its name to register; `next` is the
/// previous wait for the same name.
#[derive(Clone, Copy)]
struct Wait {
    dependent: u32,
    dep: u32,
    next: u32,
}

pub(crate) struct State {
    /// Every module, in registration order (linked ones first).
    entries: Vec<Arc<Entry>>,
    /// Every module's name, one after the other: module `g`'s is
    /// `names[name_at[g]..name_at[g + 1]]`. Name scans and comparisons read this one buffer
    /// instead of following two pointers per module.
    names: String,
    name_at: Vec<u32>,
    /// Name → position of the first module of that name.
    by_name: Table,
    /// Capability → its number in `capability_names` and `providers`.
    capabilities: Table,
    capability_names: Vec<Box<str>>,
    /// Per capability: positions of the modules that provide it.
    providers: Vec<Vec<u32>>,
    /// Per dependency, module after module: the position it resolved to, if present. Module
    /// `g`'s are `links[link_start[g]..link_start[g + 1]]`: one array for all, so a module
    /// costs no allocation of its own here.
    links: Vec<Option<u32>>,
    link_start: Vec<u32>,
    /// Optional dependencies of registered modules on names not registered yet: name → the
    /// latest of its waits (a chain through `waits`), or `RESOLVED`.
    awaiting: Table,
    waits: Vec<Wait>,
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
            names: String::new(),
            name_at: Vec::with_capacity(descriptors.len() + 1),
            by_name: Table::with_capacity(descriptors.len()),
            capabilities: Table::new(),
            capability_names: Vec::new(),
            providers: Vec::new(),
            links: Vec::new(),
            link_start: Vec::with_capacity(descriptors.len() + 1),
            awaiting: Table::new(),
            waits: Vec::new(),
            order: OnceLock::new(),
        };
        state.link_start.push(0);
        state.name_at.push(0);
        for (i, d) in descriptors.iter().enumerate() {
            let entry = Arc::new(Entry::linked(d));
            state.index_capabilities(&entry, i as u32, |_, cap| table::hash(cap));
            let h = table::hash(&entry.name);
            if state.find(&entry.name, h).is_none() {
                state.by_name.insert(h, i as u32);
            }
            state.push_name(&entry.name);
            state.entries.push(entry);
            state.links.extend(d.dependencies().iter().map(|dep| {
                positions
                    .get(&(dep.descriptor() as *const ModuleDescriptor))
                    .copied()
            }));
            state.link_start.push(state.links.len() as u32);
        }
        state
    }

    /// Where each dependency of module `g` resolved to, in declaration order.
    fn links(&self, g: u32) -> &[Option<u32>] {
        let g = g as usize;
        &self.links[self.link_start[g] as usize..self.link_start[g + 1] as usize]
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The name of module `g`, as bytes (slicing the `str` would check char boundaries).
    #[inline]
    fn name_of(&self, g: u32) -> &[u8] {
        let g = g as usize;
        &self.names.as_bytes()[self.name_at[g] as usize..self.name_at[g + 1] as usize]
    }

    fn push_name(&mut self, name: &str) {
        self.names.push_str(name);
        self.name_at.push(self.names.len() as u32);
    }

    pub(crate) fn entries(&self) -> &[Arc<Entry>] {
        &self.entries
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<&Arc<Entry>> {
        self.find(name, table::hash(name))
            .map(|g| &self.entries[g as usize])
    }

    /// The position of the first module named `name`, whose hash is `h`.
    fn find(&self, name: &str, h: u32) -> Option<u32> {
        self.by_name.get(h, |g| self.name_of(g) == name.as_bytes())
    }

    /// The positions of the modules providing `cap`.
    fn providers(&self, cap: &str) -> Option<&[u32]> {
        let names = &self.capability_names;
        self.capabilities
            .get(table::hash(cap), |c| *names[c as usize] == *cap)
            .map(|c| &*self.providers[c as usize])
    }

    /// Files the capabilities of `entry`, at position `g`; `hash(i, cap)` is the hash of its
    /// capability `i`.
    fn index_capabilities(&mut self, entry: &Entry, g: u32, hash: impl Fn(usize, &str) -> u32) {
        for (i, cap) in entry.capabilities.iter().enumerate() {
            let h = hash(i, cap);
            let names = &self.capability_names;
            match self.capabilities.get(h, |c| *names[c as usize] == **cap) {
                Some(c) => self.providers[c as usize].push(g),
                None => {
                    self.capabilities.insert(h, self.providers.len() as u32);
                    self.capability_names.push(cap.as_str().into());
                    self.providers.push(vec![g]);
                }
            }
        }
    }

    /// The `awaiting` slot of `name` (hash `h`), if a dependency waits for it.
    fn awaiting(&self, name: &str, h: u32) -> Option<usize> {
        self.awaiting.find(h, |w| {
            if w == RESOLVED {
                return false;
            }
            let w = self.waits[w as usize];
            self.entries[w.dependent as usize].deps[w.dep as usize].name == name
        })
    }

    /// The dependencies waiting in the chain starting at `w`, in registration order.
    fn chain(&self, mut w: u32) -> Vec<(u32, u32)> {
        let mut waiting = Vec::new();
        while w != NONE {
            let wait = self.waits[w as usize];
            waiting.push((wait.dependent, wait.dep));
            w = wait.next;
        }
        waiting.reverse();
        waiting
    }

    /// Adds the parsed entry, or returns what refuses it and changes nothing.
    pub(crate) fn register(&mut self, parsed: &Parsed) -> Result<(), Vec<ValidationError>> {
        let Parsed { entry, cap_hashes } = parsed;
        let h = table::hash(&entry.name);
        let duplicate = self.find(&entry.name, h);
        // Resolved in place, at the end of `links`; cut off again if refused.
        let start = self.links.len();
        for d in &entry.deps {
            let r = self.find(&d.name, table::hash(&d.name));
            self.links.push(r);
        }
        let resolved = &self.links[start..];
        let incoming = self.awaiting(&entry.name, h);
        // `graph::check_addition` finds nothing when no module of this name exists, every
        // present dependency satisfies its requirement (the test its `check_edges` makes; the
        // text matcher agrees with `semver`'s, tested), every absent one is optional, every
        // required capability is provided, and no edge leads to the new module: an edge into
        // it is the only way it can close a cycle. Edges into it are the self-edges (a
        // dependency on its own name is absent until it registers) and the waiting optional
        // ones; linked modules never depend on registered ones.
        let clean = duplicate.is_none()
            && incoming.is_none()
            && entry
                .deps
                .iter()
                .zip(resolved.iter())
                .all(|(d, r)| match (r, &d.req) {
                    (Some(_), None) => true,
                    (Some(g), Some(_)) => d.parsed_req().is_some_and(|req| {
                        req.matches(&VersionParts::of(&self.entries[*g as usize].version))
                    }),
                    (None, _) => d.optional && d.name != entry.name,
                })
            && entry.requires.iter().all(|cap| {
                entry.has_capability(cap) || self.providers(cap).is_some_and(|l| !l.is_empty())
            });
        if !clean {
            let mut errors = self.check(entry, duplicate, resolved, incoming, false);
            if !errors.is_empty() {
                if incoming.is_some() {
                    errors = self.check(entry, duplicate, resolved, incoming, true);
                }
                self.links.truncate(start);
                return Err(errors);
            }
        }
        let index = self.entries.len() as u32;
        if let Some(slot) = incoming {
            let mut w = self.awaiting.value(slot);
            self.awaiting.set(slot, RESOLVED);
            while w != NONE {
                let wait = self.waits[w as usize];
                let at = self.link_start[wait.dependent as usize] + wait.dep;
                self.links[at as usize] = Some(index);
                w = wait.next;
            }
        }
        self.index_capabilities(entry, index, |i, cap| cap_hashes.get(i, cap));
        self.by_name.insert(h, index);
        self.push_name(&entry.name);
        self.entries.push(entry.clone());
        for (i, d) in entry.deps.iter().enumerate() {
            if self.links[start + i].is_some() {
                continue;
            }
            // Only optional edges get here: a missing required one was refused.
            let dh = table::hash(&d.name);
            let w = self.waits.len() as u32;
            let slot = self.awaiting(&d.name, dh);
            self.waits.push(Wait {
                dependent: index,
                dep: i as u32,
                next: slot.map_or(NONE, |slot| self.awaiting.value(slot)),
            });
            match slot {
                Some(slot) => self.awaiting.set(slot, w),
                None => self.awaiting.insert(dh, w),
            }
        }
        self.link_start.push(self.links.len() as u32);
        self.order.take();
        Ok(())
    }

    /// The findings adding `entry` would introduce: the new node's neighbourhood, handed to
    /// [`graph::check_addition`]. `incoming` is the `awaiting` slot of its name. With
    /// `explain`, the neighbourhood also holds every module that needs a waiting dependent,
    /// so that a finding on a waiting edge says why that edge matters (`needed_by`, from a
    /// module nothing requires, as the static check says it); that reads every module's edges,
    /// so it is done only once the findings are known not to be empty.
    fn check<'s>(
        &'s self,
        entry: &'s Entry,
        duplicate: Option<u32>,
        resolved: &[Option<u32>],
        incoming: Option<usize>,
        explain: bool,
    ) -> Vec<ValidationError> {
        let mut hood = Hood {
            nodes: vec![Node {
                name: &entry.name,
                version: entry.version.clone(),
                site: Location::runtime(),
                capabilities: entry.capabilities.iter().map(|c| &**c).collect(),
                requires: entry.requires.iter().map(|c| &**c).collect(),
                requires_sites: Vec::new(),
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
                req: d.parsed_req(),
                optional: d.optional,
                site: Location::runtime(),
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
            if let Some(&g) = self.providers(cap).and_then(|l| l.first()) {
                let l = hood.stub(g);
                hood.nodes[l].capabilities.push(cap);
            }
        }
        if let Some(slot) = incoming {
            let incoming = self.chain(self.awaiting.value(slot));
            // A new cycle runs through the new node: every node it reaches, with all edges.
            let mut reached: HashSet<u32> = HashSet::new();
            let mut stack: Vec<u32> = resolved.iter().flatten().copied().collect();
            while let Some(g) = stack.pop() {
                if reached.insert(g) {
                    stack.extend(self.links(g).iter().flatten());
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
                        target: match self.links(g)[i] {
                            Some(t) => Target::Node(hood.stub(t)),
                            None if dynamic && d.name == *entry.name => Target::Node(0),
                            None => Target::Missing(&d.name),
                        },
                        req: d.parsed_req(),
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
                    req: d.parsed_req(),
                    optional: d.optional,
                    site: e.dep_site(i as usize),
                });
            }
            if explain {
                self.add_ancestors(&mut hood, incoming.iter().map(|&(g, _)| g));
            }
        }
        graph::check_addition(&hood.nodes, 0)
    }

    /// Adds to `hood` every module that needs one of `from`, transitively, with its edges into
    /// the neighbourhood.
    fn add_ancestors<'s>(&'s self, hood: &mut Hood<'s>, from: impl Iterator<Item = u32>) {
        let n = self.entries.len();
        let mut needed_by: Vec<Vec<u32>> = vec![Vec::new(); n];
        for g in 0..n as u32 {
            for t in self.links(g).iter().flatten() {
                needed_by[*t as usize].push(g);
            }
        }
        let mut seen: HashSet<u32> = from.collect();
        let mut stack: Vec<u32> = seen.iter().copied().collect();
        let mut added = Vec::new();
        while let Some(g) = stack.pop() {
            for &src in &needed_by[g as usize] {
                if seen.insert(src) {
                    stack.push(src);
                    if !hood.local.contains_key(&src) {
                        added.push(src);
                        hood.stub(src);
                    }
                }
            }
        }
        for src in added {
            let e = &self.entries[src as usize];
            let edges = self
                .links(src)
                .iter()
                .enumerate()
                .filter_map(|(i, t)| {
                    let l = *hood.local.get(&(*t)?)?;
                    let d = &e.deps[i];
                    Some(Edge {
                        target: Target::Node(l),
                        req: d.parsed_req(),
                        optional: d.optional,
                        site: e.dep_site(i),
                    })
                })
                .collect();
            let l = hood.local[&src];
            hood.nodes[l].deps = edges;
        }
    }

    /// Modules matching `query`, by name.
    pub(crate) fn discover(&self, query: &DiscoveryQuery) -> Vec<Arc<Entry>> {
        let all = 0..self.entries.len() as u32;
        let kind = |g: u32| query.matches_kind(&self.entries[g as usize].kind);
        let hits = match query.name_pattern() {
            // A substring: searched in the name buffer, and the kind read only of the modules
            // whose name has it.
            Some(p) if !p.contains('*') => all
                .filter(|&g| query::contains(self.name_of(g), p.as_bytes()) && kind(g))
                .map(|g| (0, g))
                .collect(),
            _ => all
                .filter(|&g| kind(g) && query.matches_name(&self.entries[g as usize].name))
                .map(|g| (0, g))
                .collect(),
        };
        self.rank(hits)
    }

    /// Modules providing every required capability, most optional ones first, then by name.
    pub(crate) fn discover_capabilities(&self, query: &CapabilityQuery) -> Vec<Arc<Entry>> {
        // Answered from the provider lists alone, without reading an entry: each list is in
        // position order (modules are indexed as they are added), and so are the hits.
        let mut required = Vec::with_capacity(query.required_capabilities().len());
        for cap in query.required_capabilities() {
            match self.providers(cap) {
                Some(list) => required.push(list),
                None => return Vec::new(),
            }
        }
        required.sort_unstable_by_key(|list| list.len());
        // `(score, position)`.
        let mut hits: Vec<(u32, u32)> = match required.split_first() {
            Some((shortest, rest)) => {
                let mut hits: Vec<(u32, u32)> = shortest.iter().map(|&g| (0, g)).collect();
                for list in rest {
                    count_in(&mut hits, list);
                    hits.retain(|hit| hit.0 == 1);
                    hits.iter_mut().for_each(|hit| hit.0 = 0);
                }
                hits
            }
            None => (0..self.entries.len() as u32).map(|g| (0, g)).collect(),
        };
        for cap in query.optional_capabilities() {
            if let Some(list) = self.providers(cap) {
                count_in(&mut hits, list);
            }
        }
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
            let mut keyed: Vec<(&[u8], u32)> = (0..self.entries.len() as u32)
                .map(|g| (self.name_of(g), g))
                .collect();
            keyed.sort_unstable();
            keyed.into_iter().map(|(_, i)| i).collect()
        })
    }

    /// The whole graph, as the checks see it.
    pub(crate) fn nodes(&self) -> Vec<Node<'_>> {
        self.entries
            .iter()
            .enumerate()
            .map(|(g, e)| Node {
                name: &e.name,
                version: e.version.clone(),
                site: e.site(),
                capabilities: e.capabilities.iter().map(|c| &**c).collect(),
                requires: e.requires.iter().map(|c| &**c).collect(),
                requires_sites: Vec::new(),
                deps: e
                    .deps
                    .iter()
                    .zip(self.links(g as u32))
                    .enumerate()
                    .map(|(i, (d, l))| Edge {
                        target: match l {
                            Some(t) => Target::Node(*t as usize),
                            None => Target::Missing(&d.name),
                        },
                        req: d.parsed_req(),
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
        let root = self.find(name, table::hash(name))?;
        let mut linked = Vec::new();
        let mut dynamic: Vec<u32> = Vec::new();
        let mut seen: HashSet<u32> = HashSet::new();
        let mut stack = vec![root];
        while let Some(g) = stack.pop() {
            if !seen.insert(g) {
                continue;
            }
            match self.entries[g as usize].origin {
                // A linked module depends on linked modules only: its subset boots them.
                Origin::Linked(d) => linked.push(d),
                _ => {
                    dynamic.push(g);
                    stack.extend(self.links(g).iter().flatten());
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
                    site: Location::runtime(),
                    capabilities: Vec::new(),
                    requires: Vec::new(),
                    requires_sites: Vec::new(),
                    deps: self
                        .links(g)
                        .iter()
                        .flatten()
                        .filter_map(|t| local.get(t))
                        .map(|&l| Edge {
                            target: Target::Node(l),
                            req: None,
                            optional: false,
                            site: Location::runtime(),
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
            root: self.entries[root as usize].clone(),
            linked,
            dynamic,
        })
    }
}

/// Adds 1 to the score of each hit whose position is in `list`; both are in position order.
/// A merge, or a binary search per hit when `list` is much the longer.
fn count_in(hits: &mut [(u32, u32)], list: &[u32]) {
    if hits.len() * 16 < list.len() {
        for hit in hits {
            hit.0 += u32::from(list.binary_search(&hit.1).is_ok());
        }
        return;
    }
    let mut rest = list.iter().peekable();
    for hit in hits {
        while rest.next_if(|&&g| g < hit.1).is_some() {}
        hit.0 += u32::from(rest.peek() == Some(&&hit.1));
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
            requires_sites: Vec::new(),
            deps: Vec::new(),
        });
        self.local.insert(g, self.nodes.len() - 1);
        self.nodes.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use crate::dynamic::{DependencyConfig, ModuleConfig, ModuleRegistry};

    fn module(name: &str, version: &str) -> ModuleConfig {
        ModuleConfig::new().with_name(name).with_version(version)
    }

    /// Everything `register` changes, as plain data.
    fn snapshot(registry: &ModuleRegistry) -> (Vec<Vec<Option<u32>>>, usize, Vec<String>) {
        let state = registry.read();
        let links = (0..state.len() as u32)
            .map(|g| state.links(g).to_vec())
            .collect();
        let names: Vec<String> = state.entries().iter().map(|e| e.name.clone()).collect();
        // The name buffer holds exactly the registered names.
        assert_eq!(state.names, names.concat());
        assert_eq!(state.name_at.len(), names.len() + 1);
        (links, state.waits.len(), names)
    }

    #[test]
    fn every_wait_for_a_name_resolves_when_it_registers() {
        let registry = ModuleRegistry::empty();
        registry
            .register(module("a", "1.0.0").add_dependency(DependencyConfig::new("x").optional()))
            .unwrap();
        registry
            .register(
                module("b", "1.0.0")
                    .add_dependency(DependencyConfig::new("y").optional())
                    .add_dependency(DependencyConfig::new("x").optional().with_version_req("^1")),
            )
            .unwrap();
        registry.register(module("x", "1.4.0")).unwrap();
        let (links, _, _) = snapshot(&registry);
        assert_eq!(links, [vec![Some(2)], vec![None, Some(2)], vec![]]);
        let plan = registry.read().plan("b").unwrap();
        let order: Vec<&str> = plan.dynamic.iter().map(|e| &*e.name).collect();
        assert_eq!(order, ["x", "b"]);
    }

    #[test]
    fn a_refused_registration_changes_nothing() {
        let registry = ModuleRegistry::empty();
        registry
            .register(module("a", "1.0.0").add_dependency(DependencyConfig::new("x").optional()))
            .unwrap();
        registry
            .register(
                module("b", "1.0.0")
                    .add_dependency(DependencyConfig::new("x").optional().with_version_req("^1")),
            )
            .unwrap();
        let before = snapshot(&registry);
        // Fails `b`'s requirement, through a waiting edge.
        let err = registry.register(module("x", "2.0.0")).unwrap_err();
        assert_eq!(
            err.validation_errors().unwrap().errors()[0].code(),
            "MR0003"
        );
        // Resolves, then fails, its own dependencies.
        let err = registry
            .register(
                module("c", "1.0.0")
                    .add_dependency("a")
                    .add_dependency(DependencyConfig::new("z").optional())
                    .add_dependency("missing"),
            )
            .unwrap_err();
        assert_eq!(
            err.validation_errors().unwrap().errors()[0].code(),
            "MR0002"
        );
        assert_eq!(snapshot(&registry), before);
        registry.register(module("x", "1.0.0")).unwrap();
        let (links, _, _) = snapshot(&registry);
        assert_eq!(links[..2], [vec![Some(2)], vec![Some(2)]]);
    }

    #[test]
    fn capabilities_are_listed_once_past_the_inline_hashes() {
        let registry = ModuleRegistry::empty();
        let mut config = module("many", "1.0.0");
        for i in [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 9, 8, 10, 0, 10] {
            config = config.add_capability(format!("cap-{i}"));
        }
        let info = registry.register(config).unwrap();
        let expected: Vec<String> = (0..=10).map(|i| format!("cap-{i}")).collect();
        assert!(info.capabilities().eq(expected.iter().map(String::as_str)));
        for cap in &expected {
            assert_eq!(registry.read().providers(cap), Some(&[0][..]));
        }
    }
}
