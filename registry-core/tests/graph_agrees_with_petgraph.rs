//! The graph checks against petgraph on random graphs: the boot order is the topological order
//! that always takes the smallest ready name, a cycle is reported exactly when petgraph finds
//! one (each reported cycle being a real one, starting at its smallest name), and an order
//! taken despite cycles leaves out exactly the modules that reach one.

use std::collections::BTreeSet;

use module_registry_core::diag::ValidationError;
use module_registry_core::graph::{check, check_and_order, topological, Edge, Node, Target};
use module_registry_core::location::Location;
use petgraph::algo::{has_path_connecting, is_cyclic_directed, tarjan_scc};
use petgraph::graph::{DiGraph, NodeIndex};
use proptest::prelude::*;

const NAMES: [&str; 12] = [
    "alpha", "beta", "cache", "delta", "echo", "f", "g2", "http", "io", "j", "k-v", "log",
];

/// A graph as generated: node `i` is named `names[i]` and depends on `edges[i]` (target,
/// optional).
#[derive(Clone, Debug)]
struct Graph {
    names: Vec<&'static str>,
    edges: Vec<Vec<(usize, bool)>>,
}

impl Graph {
    fn nodes(&self) -> Vec<Node<'static>> {
        self.names
            .iter()
            .zip(&self.edges)
            .map(|(&name, deps)| Node {
                name,
                version: semver::Version::new(1, 0, 0),
                site: Location::runtime(),
                capabilities: Vec::new(),
                requires: Vec::new(),
                requires_sites: Vec::new(),
                deps: deps
                    .iter()
                    .map(|&(t, optional)| Edge {
                        target: Target::Node(t),
                        req: None,
                        optional,
                        site: Location::runtime(),
                    })
                    .collect(),
            })
            .collect()
    }

    /// The same graph in petgraph: an edge from each module to each of its dependencies.
    fn petgraph(&self) -> DiGraph<(), ()> {
        let mut g = DiGraph::new();
        let ix: Vec<NodeIndex> = self.names.iter().map(|_| g.add_node(())).collect();
        for (i, deps) in self.edges.iter().enumerate() {
            for &(t, _) in deps {
                g.add_edge(ix[i], ix[t], ());
            }
        }
        g
    }

    fn has_edge(&self, from: &str, to: &str) -> bool {
        let index = |n: &str| self.names.iter().position(|&m| m == n);
        match (index(from), index(to)) {
            (Some(f), Some(t)) => self.edges[f].iter().any(|&(e, _)| e == t),
            _ => false,
        }
    }

    /// The reference boot order: repeatedly the smallest name whose dependencies are all
    /// placed. Modules that never become ready (on or above a cycle) are left out.
    fn reference_order(&self) -> Vec<usize> {
        let mut placed = vec![false; self.names.len()];
        let mut order = Vec::new();
        loop {
            let ready = (0..self.names.len())
                .filter(|&i| !placed[i] && self.edges[i].iter().all(|&(t, _)| placed[t]))
                .min_by_key(|&i| self.names[i]);
            let Some(i) = ready else {
                return order;
            };
            placed[i] = true;
            order.push(i);
        }
    }
}

/// Up to 12 distinct names in random order, each node with up to 4 dependencies; in acyclic
/// mode, edges only go to nodes earlier in a random permutation.
fn graphs() -> impl Strategy<Value = Graph> {
    (1..=NAMES.len(), any::<bool>())
        .prop_flat_map(|(n, acyclic)| {
            let names = Just(NAMES[..n].to_vec()).prop_shuffle();
            let rank = Just((0..n).collect::<Vec<usize>>()).prop_shuffle();
            let edges =
                prop::collection::vec(prop::collection::vec((0..n, any::<bool>()), 0..=4), n);
            (names, rank, edges, Just(acyclic))
        })
        .prop_map(|(names, rank, edges, acyclic)| {
            let edges = edges
                .into_iter()
                .enumerate()
                .map(|(i, deps)| {
                    deps.into_iter()
                        .filter(|&(t, _)| !acyclic || rank[t] < rank[i])
                        .collect()
                })
                .collect();
            Graph { names, edges }
        })
}

fn cycles(errors: &[ValidationError]) -> Vec<Vec<(String, String)>> {
    errors
        .iter()
        .filter_map(|e| match e {
            ValidationError::Cycle { hops } => Some(
                hops.iter()
                    .map(|h| (h.from.clone(), h.to.clone()))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_cycle_is_reported_exactly_when_petgraph_finds_one(graph in graphs()) {
        let errors = check(&graph.nodes(), &[]);
        prop_assert_eq!(cycles(&errors).is_empty(), !is_cyclic_directed(&graph.petgraph()));
        prop_assert_eq!(errors.len(), cycles(&errors).len(), "only cycles can be wrong here");
    }

    #[test]
    fn each_reported_cycle_is_a_cycle_starting_at_its_smallest_name(graph in graphs()) {
        for cycle in cycles(&check(&graph.nodes(), &[])) {
            let first = &cycle[0].0;
            prop_assert_eq!(&cycle[cycle.len() - 1].1, first, "closes");
            let mut seen = BTreeSet::new();
            for (k, (from, to)) in cycle.iter().enumerate() {
                prop_assert!(graph.has_edge(from, to), "{from} -> {to} is an edge");
                prop_assert!(seen.insert(from.clone()), "{from} visited once");
                prop_assert!(from >= first, "starts at the smallest name");
                if let Some(next) = cycle.get(k + 1) {
                    prop_assert_eq!(to, &next.0, "hops chain");
                }
            }
        }
    }

    #[test]
    fn every_cyclic_component_holds_a_reported_cycle(graph in graphs()) {
        let g = graph.petgraph();
        let reported: BTreeSet<String> = cycles(&check(&graph.nodes(), &[]))
            .into_iter()
            .flatten()
            .map(|hop| hop.0)
            .collect();
        for scc in tarjan_scc(&g) {
            let cyclic = scc.len() > 1 || g.contains_edge(scc[0], scc[0]);
            if cyclic {
                prop_assert!(
                    scc.iter().any(|n| reported.contains(graph.names[n.index()])),
                    "no cycle reported in {:?}",
                    scc.iter().map(|n| graph.names[n.index()]).collect::<Vec<_>>()
                );
            }
        }
    }

    #[test]
    fn the_boot_order_is_the_smallest_name_first_topological_order(graph in graphs()) {
        let nodes = graph.nodes();
        match check_and_order(&nodes, &[], &|_| false) {
            Ok(order) => {
                prop_assert!(!is_cyclic_directed(&graph.petgraph()));
                prop_assert_eq!(order.len(), nodes.len());
                for (place, &i) in order.iter().enumerate() {
                    for &(t, _) in &graph.edges[i] {
                        prop_assert!(order[..place].contains(&t), "dependency placed first");
                    }
                }
                prop_assert_eq!(order, graph.reference_order());
            }
            Err(errors) => prop_assert!(!cycles(&errors).is_empty()),
        }
    }

    #[test]
    fn an_order_despite_cycles_leaves_out_what_reaches_one(graph in graphs()) {
        let g = graph.petgraph();
        let on_cycle: Vec<NodeIndex> = tarjan_scc(&g)
            .into_iter()
            .filter(|scc| scc.len() > 1 || g.contains_edge(scc[0], scc[0]))
            .flatten()
            .collect();
        let kept: BTreeSet<usize> = topological(&graph.nodes()).into_iter().collect();
        for i in 0..graph.names.len() {
            let reaches = on_cycle
                .iter()
                .any(|&c| has_path_connecting(&g, NodeIndex::new(i), c, None));
            prop_assert_eq!(kept.contains(&i), !reaches, "{}", graph.names[i]);
        }
        prop_assert_eq!(topological(&graph.nodes()), graph.reference_order());
    }
}
