//! Model-based: thousands of random registrations over a small pool of names (so duplicates,
//! waiting edges, requirements and cycles are frequent) are accepted or refused exactly as an
//! independent model of the checks says, with the codes it predicts; `validate` always passes;
//! and `create` builds exactly what the model's resolved edges reach.

pub mod fixtures {
    pub mod upper;
}

use std::collections::{BTreeSet, HashMap, HashSet};

use fixtures::upper::AsciiUpper;
use module_registry::dynamic::DependencyConfig;
use module_registry::{modules, ModuleConfig, ModuleRegistry};
use module_registry_tests::probe::{probe, Log};
use module_registry_tests::rng::tiny_rng;

const CAP_POOL: [&str; 4] = ["k0", "k1", "k2", "processing"];

#[derive(Clone, Debug)]
struct Dep {
    name: String,
    optional: bool,
    /// A `^major` requirement.
    major: Option<u64>,
}

#[derive(Clone, Debug)]
struct Node {
    major: u64,
    deps: Vec<Dep>,
    caps: Vec<&'static str>,
}

/// A registration to try: a node under a name, and the capabilities it requires.
#[derive(Debug)]
struct Candidate {
    name: String,
    node: Node,
    requires: Vec<&'static str>,
}

/// A random candidate over names `n0` to `n11` and the linked `ascii-upper`.
fn random_candidate(next: &mut impl FnMut(u64) -> u64) -> Candidate {
    let pool: Vec<String> = (0..12).map(|i| format!("n{i}")).collect();
    let name = pool[next(pool.len() as u64) as usize].clone();
    let major = 1 + next(3);
    let mut deps = Vec::new();
    for _ in 0..next(4) {
        let target = if next(6) == 0 {
            "ascii-upper".to_owned()
        } else {
            pool[next(pool.len() as u64) as usize].clone()
        };
        let req = match next(4) {
            0 => Some(1),
            1 => Some(2),
            _ => None,
        };
        deps.push(Dep {
            name: target,
            optional: next(3) != 0,
            major: req,
        });
    }
    let caps = CAP_POOL.iter().copied().filter(|_| next(3) == 0).collect();
    let requires = CAP_POOL.iter().copied().filter(|_| next(5) == 0).collect();
    Candidate {
        name,
        node: Node { major, deps, caps },
        requires,
    }
}

/// The accepted modules, by name.
struct Model(HashMap<String, Node>);

impl Model {
    fn new() -> Self {
        let upper = Node {
            major: 2,
            deps: Vec::new(),
            caps: vec!["processing", "uppercase"],
        };
        Model(HashMap::from([("ascii-upper".to_owned(), upper)]))
    }

    /// The codes a registration of `c` must be refused with; none if it must be accepted.
    fn verdict(&self, c: &Candidate) -> BTreeSet<&'static str> {
        let mut want = BTreeSet::new();
        if self.0.contains_key(&c.name) {
            want.insert("MR0004");
        } else {
            want.extend(self.unmet_waiting_requirement(c));
            want.extend(self.cycle_through(c));
        }
        for d in &c.node.deps {
            match self.0.get(&d.name) {
                Some(t) if d.major.is_some_and(|m| m != t.major) => {
                    want.insert("MR0003");
                }
                Some(_) => {}
                // An edge to itself resolves to the new module, requirement included.
                None if d.name == c.name && d.major.is_some_and(|m| m != c.node.major) => {
                    want.insert("MR0003");
                }
                None if d.name == c.name || d.optional => {}
                None => {
                    want.insert("MR0002");
                }
            }
        }
        for r in &c.requires {
            if !c.node.caps.contains(r) && !self.0.values().any(|m| m.caps.contains(r)) {
                want.insert("MR0005");
            }
        }
        want
    }

    /// MR0003 if an accepted module waits for `c`'s name with a requirement `c` fails.
    fn unmet_waiting_requirement(&self, c: &Candidate) -> Option<&'static str> {
        let unmet = self
            .0
            .values()
            .flat_map(|m| &m.deps)
            .any(|d| d.name == c.name && d.major.is_some_and(|req| req != c.node.major));
        unmet.then_some("MR0003")
    }

    /// MR0001 if `c`'s edges, through accepted modules, reach `c`.
    fn cycle_through(&self, c: &Candidate) -> Option<&'static str> {
        let edges = |n: &str| -> Vec<String> {
            let deps = if n == c.name {
                &c.node.deps
            } else {
                &self.0[n].deps
            };
            deps.iter()
                .filter(|d| d.name == c.name || self.0.contains_key(&d.name))
                .map(|d| d.name.clone())
                .collect()
        };
        let mut stack = edges(&c.name);
        let mut seen = HashSet::new();
        while let Some(n) = stack.pop() {
            if n == c.name {
                return Some("MR0001");
            }
            if seen.insert(n.clone()) {
                stack.extend(edges(&n));
            }
        }
        None
    }

    /// The names `name`'s edges to accepted modules reach, `name` included.
    fn reach<'a>(&'a self, name: &'a str) -> BTreeSet<&'a str> {
        let mut reach = BTreeSet::from([name]);
        let mut stack: Vec<&Dep> = self.0[name].deps.iter().collect();
        while let Some(d) = stack.pop() {
            if let Some(t) = self.0.get(&d.name) {
                if reach.insert(d.name.as_str()) {
                    stack.extend(t.deps.iter());
                }
            }
        }
        reach
    }
}

fn config(c: &Candidate, log: &Log) -> ModuleConfig {
    let mut config = probe(&c.name).version(&format!("{}.0.0", c.node.major));
    for cap in &c.node.caps {
        config = config.cap(cap);
    }
    for d in &c.node.deps {
        let mut dc = DependencyConfig::new(d.name.as_str());
        if d.optional {
            dc = dc.optional();
        }
        if let Some(m) = d.major {
            dc = dc.with_version_req(format!("^{m}"));
        }
        config = config.dep(dc);
    }
    let mut config = config.config(log);
    for r in &c.requires {
        config = config.add_required_capability(*r);
    }
    config
}

/// Forty rounds of eighty random registrations, each checked against the model; `after_round`
/// gets each round's registry and model.
fn run_rounds(mut after_round: impl FnMut(usize, &ModuleRegistry, &Model)) {
    let mut next = tiny_rng(0x0bad_cafe_1234_5678);
    let log = Log::default();
    for round in 0..40 {
        let registry = ModuleRegistry::from_registry(&modules![AsciiUpper]);
        let mut model = Model::new();
        for step in 0..80 {
            let c = random_candidate(&mut next);
            let want = model.verdict(&c);
            let got: BTreeSet<&str> = match registry.register(config(&c, &log)) {
                Ok(_) => BTreeSet::new(),
                Err(e) => e
                    .validation_errors()
                    .unwrap()
                    .iter()
                    .map(|f| f.code())
                    .collect(),
            };
            assert_eq!(got, want, "round {round} step {step}: {c:?}");
            if want.is_empty() {
                model.0.insert(c.name, c.node);
            }
            assert_eq!(registry.len(), model.0.len());
        }
        after_round(round, &registry, &model);
    }
}

#[test]
fn random_registrations_are_accepted_or_refused_as_the_model_says() {
    run_rounds(|_, registry, _| registry.validate().unwrap());
}

#[test]
fn after_random_registrations_create_builds_what_the_model_reaches() {
    run_rounds(|round, registry, model| {
        for name in model.0.keys().filter(|n| *n != "ascii-upper") {
            let instance = registry
                .create(name)
                .unwrap_or_else(|e| panic!("round {round}: {name}: {e}"));
            assert_eq!(
                instance.modules().collect::<BTreeSet<_>>(),
                model.reach(name),
                "{name}"
            );
        }
    });
}
