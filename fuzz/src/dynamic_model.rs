//! The dynamic registry under arbitrary sequences of `register`, `create`, `discover` (by
//! name and by capability), `validate` and `shutdown` from two threads, checked against a
//! reference model written from the documented rules.
//!
//! Each thread records what every call answered. The answers are then replayed on the model:
//! some interleaving of the two threads' calls (each thread in its own order) must explain
//! every answer, a refused registration changing nothing. The model's state after a prefix of
//! each thread is the set of registrations those prefixes got accepted, whatever their order,
//! so the search is a walk over the grid of prefix pairs.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::panic_any;
use std::sync::{Arc, Once};

use arbitrary::{Arbitrary, Unstructured};
use module_registry::dynamic::DependencyConfig;
use module_registry::{
    CapabilityQuery, DiscoveryQuery, DynModule, ModuleConfig, ModuleError, ModuleRegistry,
    ModuleType,
};

const NAMES: [&str; 8] = ["a", "b", "c", "d", "ab", "b-c", "Bad_Name", ""];
const VERSIONS: [&str; 5] = ["1.0.0", "1.2.0", "2.0.0", "1.2.0-beta", "1.x"];
const REQS: [&str; 8] = ["^1", "^1.2", ">=2", "<1.2", "=1.2.0-beta", "*", "~1", "^x"];
const CAPS: [&str; 4] = ["x", "y", "z", "Bad"];
const PATTERNS: [&str; 9] = ["", "a", "b", "*", "a*", "*b", "a*b", "*-*", "q"];
const KINDS: [ModuleType; 3] = [
    ModuleType::Service,
    ModuleType::Storage,
    ModuleType::DataProcessor,
];
const MAX_OPS: usize = 24;

/// What a registered module's factory and hooks do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Behaviour {
    Works,
    NoFactory,
    FactoryFails,
    FactoryPanics,
    InitializeFails,
    InitializePanics,
    /// The instance says another version than registered: validation refuses it.
    Mismatched,
    CleanupFails,
    CleanupPanics,
    DropPanics,
}

impl Behaviour {
    /// Half the modules work; the other half fail in one way each.
    fn of(byte: u8) -> Behaviour {
        match byte % 18 {
            0 => Behaviour::NoFactory,
            1 => Behaviour::FactoryFails,
            2 => Behaviour::FactoryPanics,
            3 => Behaviour::InitializeFails,
            4 => Behaviour::InitializePanics,
            5 => Behaviour::Mismatched,
            6 => Behaviour::CleanupFails,
            7 => Behaviour::CleanupPanics,
            8 => Behaviour::DropPanics,
            _ => Behaviour::Works,
        }
    }

    fn breaks_create(self) -> bool {
        !matches!(
            self,
            Behaviour::Works
                | Behaviour::CleanupFails
                | Behaviour::CleanupPanics
                | Behaviour::DropPanics
        )
    }

    fn breaks_shutdown(self) -> bool {
        matches!(
            self,
            Behaviour::CleanupFails | Behaviour::CleanupPanics | Behaviour::DropPanics
        )
    }
}

#[derive(Arbitrary, Clone, Debug)]
struct Dep {
    name: u8,
    req: Option<u8>,
    optional: bool,
}

#[derive(Arbitrary, Clone, Debug)]
struct Registration {
    name: u8,
    version: u8,
    kind: u8,
    capabilities: [Option<u8>; 2],
    requires: Option<u8>,
    deps: [Option<Dep>; 2],
    behaviour: u8,
}

#[derive(Arbitrary, Clone, Debug)]
enum Op {
    Register(Registration),
    Create(u8),
    Discover {
        pattern: Option<u8>,
        kind: Option<u8>,
    },
    DiscoverCapabilities {
        required: [Option<u8>; 2],
        optional: [Option<u8>; 2],
    },
    Len,
    Validate,
    Shutdown(u8),
}

/// What a call answered, in the terms the model predicts.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Answer {
    Registered(bool),
    /// `Some(modules)` on success (sorted names), `None` on failure.
    Created(Option<Vec<String>>),
    Names(Vec<String>),
    Len(usize),
    Valid(bool),
    /// A shutdown: whether its answer matched the instance's modules; not state-dependent.
    Local,
}

fn pick<T: Clone>(pool: &[T], i: u8) -> T {
    pool[i as usize % pool.len()].clone()
}

/// A module registered with `name`, as the registration described it.
#[derive(Clone, Debug)]
struct Model {
    name: &'static str,
    version: semver::Version,
    kind: ModuleType,
    capabilities: BTreeSet<&'static str>,
    requires: Vec<&'static str>,
    /// (name, requirement, optional)
    deps: Vec<(&'static str, Option<semver::VersionReq>, bool)>,
    behaviour: Behaviour,
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

impl Registration {
    /// The module the model keeps, or `None` when a string of it is malformed.
    fn model(&self) -> Option<Model> {
        let name = pick(&NAMES, self.name);
        let version = semver::Version::parse(pick(&VERSIONS, self.version)).ok()?;
        let capabilities: Vec<&'static str> = self
            .capabilities
            .iter()
            .flatten()
            .map(|&c| pick(&CAPS, c))
            .collect();
        let requires: Vec<&'static str> = self.requires.iter().map(|&c| pick(&CAPS, c)).collect();
        let mut deps = Vec::new();
        for d in self.deps.iter().flatten() {
            let req = match d.req {
                Some(r) => Some(semver::VersionReq::parse(pick(&REQS, r)).ok()?),
                None => None,
            };
            deps.push((pick(&NAMES, d.name), req, d.optional));
        }
        let ok = valid_name(name)
            && capabilities.iter().chain(&requires).all(|c| valid_name(c))
            && deps.iter().all(|d| valid_name(d.0));
        ok.then(|| Model {
            name,
            version,
            kind: pick(&KINDS, self.kind),
            capabilities: capabilities.into_iter().collect(),
            requires,
            deps,
            behaviour: Behaviour::of(self.behaviour),
        })
    }

    fn config(&self) -> ModuleConfig {
        let mut config = ModuleConfig::new()
            .with_name(pick(&NAMES, self.name))
            .with_version(pick(&VERSIONS, self.version))
            .with_type(pick(&KINDS, self.kind));
        for &c in self.capabilities.iter().flatten() {
            config = config.add_capability(pick(&CAPS, c));
        }
        for &c in self.requires.iter() {
            config = config.add_required_capability(pick(&CAPS, c));
        }
        for d in self.deps.iter().flatten() {
            let mut dep = DependencyConfig::new(pick(&NAMES, d.name));
            if let Some(r) = d.req {
                dep = dep.with_version_req(pick(&REQS, r));
            }
            if d.optional {
                dep = dep.optional();
            }
            config = config.add_dependency(dep);
        }
        if Behaviour::of(self.behaviour) == Behaviour::NoFactory {
            return config;
        }
        let name = pick(&NAMES, self.name);
        let version = pick(&VERSIONS, self.version);
        let kind = pick(&KINDS, self.kind);
        let capabilities: Vec<&'static str> = self
            .capabilities
            .iter()
            .flatten()
            .map(|&c| pick(&CAPS, c))
            .collect();
        let behaviour = Behaviour::of(self.behaviour);
        config.with_factory(move |_| {
            BUILT.with(|b| b.borrow_mut().push(behaviour));
            match behaviour {
                Behaviour::FactoryFails => Err(ModuleError::new("factory fails")),
                Behaviour::FactoryPanics => panic_any(Deliberate),
                _ => Ok(Box::new(Fuzzed {
                    name,
                    version: if behaviour == Behaviour::Mismatched {
                        "9.9.9"
                    } else {
                        version
                    },
                    kind: kind.clone(),
                    capabilities: capabilities.clone(),
                    behaviour,
                })),
            }
        })
    }
}

/// The payload of the panics this target makes on purpose.
struct Deliberate;

struct Fuzzed {
    name: &'static str,
    version: &'static str,
    kind: ModuleType,
    capabilities: Vec<&'static str>,
    behaviour: Behaviour,
}

impl DynModule for Fuzzed {
    fn name(&self) -> &str {
        self.name
    }
    fn version(&self) -> &str {
        self.version
    }
    fn module_type(&self) -> ModuleType {
        self.kind.clone()
    }
    fn capabilities(&self) -> &[&str] {
        &self.capabilities
    }
    fn initialize(&mut self) -> Result<(), ModuleError> {
        match self.behaviour {
            Behaviour::InitializeFails => Err(ModuleError::new("initialize fails")),
            Behaviour::InitializePanics => panic_any(Deliberate),
            _ => Ok(()),
        }
    }
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        match self.behaviour {
            Behaviour::CleanupFails => Err(ModuleError::new("cleanup fails")),
            Behaviour::CleanupPanics => panic_any(Deliberate),
            _ => Ok(()),
        }
    }
}

impl Drop for Fuzzed {
    fn drop(&mut self) {
        if self.behaviour == Behaviour::DropPanics {
            panic_any(Deliberate);
        }
    }
}

/// The registered modules, by name.
type State = BTreeMap<&'static str, Model>;

/// Whether the registry must accept `m` in `state`, by the documented rules.
fn accepts(state: &State, m: &Model) -> bool {
    if state.contains_key(m.name) {
        return false; // duplicate name
    }
    for (dep, req, optional) in &m.deps {
        match state.get(dep) {
            // An unsatisfied requirement.
            Some(target) if req.as_ref().is_some_and(|r| !r.matches(&target.version)) => {
                return false
            }
            Some(_) => {}
            None if *dep == m.name => return false, // depends on itself: a cycle
            None if !*optional => return false,     // missing dependency
            None => {}
        }
    }
    if !m
        .requires
        .iter()
        .all(|c| m.capabilities.contains(c) || state.values().any(|o| o.capabilities.contains(c)))
    {
        return false; // required capability nobody provides
    }
    // Optional edges waiting for this name: their requirement must hold, and none may close a
    // cycle (the new module must not reach a module waiting for it).
    let waiting: Vec<&Model> = state
        .values()
        .filter(|o| o.deps.iter().any(|d| d.0 == m.name))
        .collect();
    for o in &waiting {
        for (dep, req, _) in &o.deps {
            if *dep == m.name && req.as_ref().is_some_and(|r| !r.matches(&m.version)) {
                return false;
            }
        }
    }
    if !waiting.is_empty() {
        let reached = closure(state, m.deps.iter().map(|d| d.0));
        if waiting.iter().any(|o| reached.contains(o.name)) {
            return false;
        }
    }
    true
}

/// Every registered module reachable from `roots` over resolved edges (roots included).
fn closure(state: &State, roots: impl Iterator<Item = &'static str>) -> BTreeSet<&'static str> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&'static str> = roots.filter(|r| state.contains_key(r)).collect();
    while let Some(n) = stack.pop() {
        if seen.insert(n) {
            stack.extend(
                state[n]
                    .deps
                    .iter()
                    .map(|d| d.0)
                    .filter(|d| state.contains_key(d)),
            );
        }
    }
    seen
}

fn glob(pattern: &str, name: &str) -> bool {
    if !pattern.contains('*') {
        return name.contains(pattern);
    }
    fn at(p: &[u8], n: &[u8]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some((b'*', rest)) => (0..=n.len()).any(|i| at(rest, &n[i..])),
            Some((c, rest)) => n.first() == Some(c) && at(rest, &n[1..]),
        }
    }
    at(pattern.as_bytes(), name.as_bytes())
}

/// The answer the model gives to `op` in `state`; `None` for a thread-local answer.
fn predict(state: &State, op: &Op) -> Option<Answer> {
    Some(match op {
        Op::Register(r) => Answer::Registered(r.model().is_some_and(|m| accepts(state, &m))),
        Op::Create(n) => {
            let name = pick(&NAMES, *n);
            if !state.contains_key(name) {
                return Some(Answer::Created(None));
            }
            let built = closure(state, std::iter::once(name));
            let broken = built.iter().any(|b| state[b].behaviour.breaks_create());
            Answer::Created((!broken).then(|| built.iter().map(|b| b.to_string()).collect()))
        }
        Op::Discover { pattern, kind } => {
            let pattern = pattern.map(|p| pick(&PATTERNS, p));
            let kind = kind.map(|k| pick(&KINDS, k));
            Answer::Names(
                state
                    .values()
                    .filter(|m| pattern.is_none_or(|p| glob(p, m.name)))
                    .filter(|m| kind.as_ref().is_none_or(|k| *k == m.kind))
                    .map(|m| m.name.to_owned())
                    .collect(),
            )
        }
        Op::DiscoverCapabilities { required, optional } => {
            let required: BTreeSet<&str> =
                required.iter().flatten().map(|&c| pick(&CAPS, c)).collect();
            let optional: BTreeSet<&str> =
                optional.iter().flatten().map(|&c| pick(&CAPS, c)).collect();
            let mut hits: Vec<(usize, &str)> = state
                .values()
                .filter(|m| required.iter().all(|c| m.capabilities.contains(c)))
                .map(|m| {
                    (
                        optional
                            .iter()
                            .filter(|c| m.capabilities.contains(*c))
                            .count(),
                        m.name,
                    )
                })
                .collect();
            hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
            Answer::Names(hits.into_iter().map(|h| h.1.to_owned()).collect())
        }
        Op::Len => Answer::Len(state.len()),
        Op::Validate => Answer::Valid(true),
        Op::Shutdown(_) => return None,
    })
}

/// Runs `ops` on `registry`, recording every answer; checks shutdowns on the spot.
fn play(registry: &ModuleRegistry, ops: &[Op]) -> Vec<Answer> {
    // Each instance with whether its shutdown must fail.
    let mut instances = Vec::new();
    let mut answers = Vec::with_capacity(ops.len());
    for op in ops {
        answers.push(match op {
            Op::Register(r) => Answer::Registered(registry.register(r.config()).is_ok()),
            Op::Create(n) => {
                BUILT.with(|b| b.borrow_mut().clear());
                match registry.create(pick(&NAMES, *n)) {
                    Ok(instance) => {
                        let mut names: Vec<String> =
                            instance.modules().map(str::to_owned).collect();
                        names.sort();
                        let breaks = BUILT.with(|b| b.borrow().iter().any(|b| b.breaks_shutdown()));
                        instances.push((instance, breaks));
                        Answer::Created(Some(names))
                    }
                    Err(_) => Answer::Created(None),
                }
            }
            Op::Discover { pattern, kind } => {
                let mut query = DiscoveryQuery::new();
                if let Some(p) = pattern {
                    query = query.with_name_pattern(pick(&PATTERNS, *p));
                }
                if let Some(k) = kind {
                    query = query.with_type_filter(pick(&KINDS, *k));
                }
                let found = registry.discover(query).unwrap();
                Answer::Names(found.iter().map(|m| m.name().to_owned()).collect())
            }
            Op::DiscoverCapabilities { required, optional } => {
                let query = CapabilityQuery::new()
                    .with_required_capabilities(required.iter().flatten().map(|&c| pick(&CAPS, c)))
                    .with_optional_capabilities(optional.iter().flatten().map(|&c| pick(&CAPS, c)));
                let found = registry.discover_capabilities(query).unwrap();
                Answer::Names(found.iter().map(|m| m.name().to_owned()).collect())
            }
            Op::Len => Answer::Len(registry.len()),
            Op::Validate => Answer::Valid(registry.validate().is_ok()),
            Op::Shutdown(i) => {
                if !instances.is_empty() {
                    let (instance, breaks) = instances.remove(*i as usize % instances.len());
                    let name = instance.name().to_owned();
                    assert_eq!(instance.shutdown().is_err(), breaks, "shutdown of {name}");
                }
                Answer::Local
            }
        });
    }
    answers
}

thread_local! {
    /// The behaviours of the modules the factories built during this thread's last `create`
    /// (factories run on the thread that calls `create`).
    static BUILT: std::cell::RefCell<Vec<Behaviour>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether some interleaving of the two threads explains every answer.
fn explained(ops: [&[Op]; 2], answers: [&[Answer]; 2]) -> bool {
    let (n0, n1) = (ops[0].len(), ops[1].len());
    let mut reachable = vec![vec![false; n1 + 1]; n0 + 1];
    reachable[0][0] = true;
    for i in 0..=n0 {
        for j in 0..=n1 {
            if !reachable[i][j] {
                continue;
            }
            let state = state_after(ops, answers, i, j);
            for (t, k) in [(0, i), (1, j)] {
                if k == ops[t].len() {
                    continue;
                }
                let ok = predict(&state, &ops[t][k]).is_none_or(|p| p == answers[t][k]);
                if ok {
                    let (ni, nj) = if t == 0 { (i + 1, j) } else { (i, j + 1) };
                    reachable[ni][nj] = true;
                }
            }
        }
    }
    reachable[n0][n1]
}

/// The registrations accepted within the first `i` and `j` calls of the threads.
fn state_after(ops: [&[Op]; 2], answers: [&[Answer]; 2], i: usize, j: usize) -> State {
    let mut state = State::new();
    for (t, k) in [(0, i), (1, j)] {
        for (op, answer) in ops[t][..k].iter().zip(&answers[t][..k]) {
            if let (Op::Register(r), Answer::Registered(true)) = (op, answer) {
                if let Some(m) = r.model() {
                    state.insert(m.name, m);
                }
            }
        }
    }
    state
}

/// Silences the panics this target makes on purpose; any other panic still reaches the
/// fuzzer's hook (which aborts: a finding).
fn quiet_deliberate_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<Deliberate>().is_none() {
                fuzzer_hook(info);
            }
        }));
    });
}

/// Each thread's calls: a byte picks the thread, then the call follows, until the data ends.
fn ops_of(data: &[u8]) -> [Vec<Op>; 2] {
    let mut u = Unstructured::new(data);
    let mut ops = [Vec::new(), Vec::new()];
    while ops[0].len() + ops[1].len() < 2 * MAX_OPS {
        let (Ok(thread), Ok(op)) = (u8::arbitrary(&mut u), Op::arbitrary(&mut u)) else {
            break;
        };
        let ops = &mut ops[usize::from(thread % 2)];
        if ops.len() < MAX_OPS {
            ops.push(op);
        }
        if u.is_empty() {
            break;
        }
    }
    ops
}

/// Two threads' calls on one empty registry, then the interleaving check.
pub fn run(data: &[u8]) {
    quiet_deliberate_panics();
    let ops = ops_of(data);
    let registry = Arc::new(ModuleRegistry::empty());
    let answers: Vec<Vec<Answer>> = std::thread::scope(|s| {
        let handles: Vec<_> = ops
            .iter()
            .map(|ops| {
                let registry = &registry;
                s.spawn(move || play(registry, ops))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        explained([&ops[0], &ops[1]], [&answers[0], &answers[1]]),
        "no interleaving explains the answers:\n{ops:#?}\n{answers:#?}"
    );
    let state = state_after(
        [&ops[0], &ops[1]],
        [&answers[0], &answers[1]],
        ops[0].len(),
        ops[1].len(),
    );
    assert_eq!(registry.len(), state.len());
    assert!(registry.validate().is_ok());
    let all = predict(
        &state,
        &Op::Discover {
            pattern: None,
            kind: None,
        },
    );
    let found = registry.discover(DiscoveryQuery::new()).unwrap();
    assert_eq!(
        all,
        Some(Answer::Names(
            found.iter().map(|m| m.name().to_owned()).collect()
        ))
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random inputs on one thread: the model must see every kind of answer, or the check
    /// above proves little.
    #[test]
    fn the_model_is_not_vacuous() {
        let mut seen = BTreeSet::new();
        let mut bytes = vec![0u8; 4096];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            for b in bytes.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            let ops: Vec<Op> = ops_of(&bytes).concat();
            let registry = ModuleRegistry::empty();
            for (op, answer) in ops.iter().zip(play(&registry, &ops)) {
                let kind = match (&op, &answer) {
                    (_, Answer::Registered(ok)) => format!("register {ok}"),
                    (_, Answer::Created(c)) => {
                        format!("create {}", c.as_ref().map_or(0, Vec::len).min(3))
                    }
                    (_, Answer::Names(n)) => format!("names {}", n.len().min(3)),
                    _ => continue,
                };
                seen.insert(kind);
            }
            run(&bytes);
        }
        for want in [
            "register true",
            "register false",
            "create 0",
            "create 1",
            "create 2",
            "names 2",
        ] {
            assert!(seen.contains(want), "never saw {want}: {seen:?}");
        }
    }
}
