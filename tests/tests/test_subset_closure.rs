//! Closures against petgraph's reachability: `Registry::subset` keeps its roots and what they
//! require (optional edges not followed), and the dynamic registry's `create` builds its root
//! and every present dependency, required or optional, dependencies first.

use std::collections::BTreeSet;

use module_registry::dynamic::DependencyConfig;
use module_registry::{
    modules, DynModule, Module, ModuleConfig, ModuleRegistry, ModuleType, Registry,
};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Dfs, EdgeFiltered, EdgeRef};
use proptest::prelude::*;

#[derive(Module, Default)]
#[module(name = "sc-a")]
struct A;
#[derive(Module, Default)]
#[module(name = "sc-b", depends_on = [A])]
struct B;
#[derive(Module, Default)]
#[module(name = "sc-c", depends_on = [A], optional = [B])]
struct C;
#[derive(Module, Default)]
#[module(name = "sc-d", depends_on = [C])]
struct D;
#[derive(Module, Default)]
#[module(name = "sc-e", optional = [D])]
struct E;
#[derive(Module, Default)]
#[module(name = "sc-f", depends_on = [B, E])]
struct F;
#[derive(Module, Default)]
#[module(name = "sc-g")]
struct G;
#[derive(Module, Default)]
#[module(name = "sc-h", depends_on = [G, D], optional = [F])]
struct H;

fn registry() -> Registry {
    modules![A, B, C, D, E, F, G, H]
}

/// The registry's modules and their edges (`true` for required) as a petgraph graph.
fn petgraph_of(registry: &Registry) -> (Vec<&'static str>, DiGraph<(), bool>) {
    let names: Vec<&'static str> = registry.modules().map(|d| d.name()).collect();
    let mut g = DiGraph::new();
    let ix: Vec<NodeIndex> = names.iter().map(|_| g.add_node(())).collect();
    for (i, d) in registry.modules().enumerate() {
        for dep in d.dependencies() {
            let t = names.iter().position(|&n| n == dep.name()).unwrap();
            g.add_edge(ix[i], ix[t], !dep.is_optional());
        }
    }
    (names, g)
}

/// Every node reachable from `roots` over the edges `follow` accepts, roots included.
fn reachable<E>(
    g: &DiGraph<(), E>,
    roots: impl IntoIterator<Item = usize>,
    follow: impl Fn(&E) -> bool,
) -> BTreeSet<usize> {
    let filtered = EdgeFiltered::from_fn(g, |e| follow(e.weight()));
    let mut out = BTreeSet::new();
    for root in roots {
        let mut dfs = Dfs::new(&filtered, NodeIndex::new(root));
        while let Some(n) = dfs.next(&filtered) {
            out.insert(n.index());
        }
    }
    out
}

struct Plain(&'static str);

impl DynModule for Plain {
    fn name(&self) -> &str {
        self.0
    }
    fn version(&self) -> &str {
        "1.0.0"
    }
    fn module_type(&self) -> ModuleType {
        ModuleType::Service
    }
}

const NAMES: [&str; 10] = ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"];

/// A random acyclic graph in registration order: module `i` depends on earlier modules
/// (required or optional) and optionally on a module that is never registered.
fn dags() -> impl Strategy<Value = Vec<Vec<(usize, bool)>>> {
    (1..=NAMES.len()).prop_flat_map(|n| {
        prop::collection::vec(
            prop::collection::vec((0..NAMES.len(), any::<bool>()), 0..=3),
            n,
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn subset_keeps_roots_and_their_required_dependencies(
        roots in prop::collection::btree_set(0..8usize, 0..=3)
    ) {
        let registry = registry();
        let (names, g) = petgraph_of(&registry);
        let subset = registry.subset(roots.iter().map(|&r| names[r]));
        let kept: BTreeSet<&str> = subset.modules().map(|d| d.name()).collect();
        let expected: BTreeSet<&str> =
            reachable(&g, roots, |required| *required).into_iter().map(|i| names[i]).collect();
        prop_assert_eq!(kept, expected);
        prop_assert!(subset.init_order().is_ok());
    }

    #[test]
    fn create_builds_every_present_dependency_first(dag in dags(), root in 0..NAMES.len()) {
        let registry = ModuleRegistry::empty();
        let mut g = DiGraph::<(), ()>::new();
        for (i, deps) in dag.iter().enumerate() {
            let me = g.add_node(());
            let mut config = ModuleConfig::new()
                .with_name(NAMES[i])
                .with_version("1.0.0")
                .with_factory(move |_| Ok(Box::new(Plain(NAMES[i]))));
            for &(t, optional) in deps {
                if t < i {
                    let dep = DependencyConfig::new(NAMES[t]);
                    config = config.add_dependency(if optional { dep.optional() } else { dep });
                    g.add_edge(me, NodeIndex::new(t), ());
                } else if optional {
                    config = config.add_dependency(DependencyConfig::new("never-registered").optional());
                }
            }
            registry.register(config).unwrap();
        }
        let root = root % dag.len();
        let instance = registry.create(NAMES[root]).unwrap();
        let built: Vec<&str> = instance.modules().collect();
        let expected: BTreeSet<&str> =
            reachable(&g, [root], |_| true).into_iter().map(|i| NAMES[i]).collect();
        prop_assert_eq!(built.iter().copied().collect::<BTreeSet<_>>(), expected);
        prop_assert_eq!(built.len(), built.iter().collect::<BTreeSet<_>>().len(), "built once");
        for (place, name) in built.iter().enumerate() {
            let i = NAMES.iter().position(|n| n == name).unwrap();
            for e in g.edges(NodeIndex::new(i)) {
                prop_assert!(built[..place].contains(&NAMES[e.target().index()]), "{name}'s dependency first");
            }
        }
    }
}
