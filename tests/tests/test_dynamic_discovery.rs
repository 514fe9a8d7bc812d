//! Discovery in the dynamic registry: name patterns and type filters against a reference
//! glob, capability ranking independent of registration order and size, and discovery
//! strategies merged into the registry's own answers.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};
use std::error::Error;
use std::sync::OnceLock;

use module_registry::{
    CapabilityQuery, CustomDiscoveryStrategy, DiscoveryQuery, ModuleInfo, ModuleRegistry,
    ModuleType, RegistryError,
};
use module_registry_tests::inspect::names;
use module_registry_tests::probe::{cfg, entries, push, Log};
use module_registry_tests::rng::{shuffle, tiny_rng};

type TestResult = Result<(), Box<dyn Error>>;

/// The reference: a pattern without `*` is a substring; with `*`, it must match the whole name,
/// `*` standing for any run of characters.
fn reference_match(pattern: &str, name: &str) -> bool {
    fn glob(p: &[u8], n: &[u8]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some((b'*', rest)) => (0..=n.len()).any(|i| glob(rest, &n[i..])),
            Some((c, rest)) => n.first() == Some(c) && glob(rest, &n[1..]),
        }
    }
    if pattern.contains('*') {
        glob(pattern.as_bytes(), name.as_bytes())
    } else {
        name.contains(pattern)
    }
}

const PATTERNS: [&str; 32] = [
    "",
    "*",
    "**",
    "a",
    "ab",
    "aba",
    "-",
    "processor",
    "data-*",
    "*-processor",
    "*a*",
    "a*a",
    "ab*ba",
    "aba*aba",
    "*ab*ab*",
    "a*",
    "*a",
    "d*r",
    "*-*-*",
    "proc*sor",
    "b*b*b",
    "a-*",
    "*-a",
    "x*",
    "*x",
    "x1",
    "data-processor",
    "*data-processor*",
    "*-ab-*",
    "a*-a",
    "nothing",
    "*nothing*",
];

fn kinds() -> [ModuleType; 5] {
    [
        ModuleType::DataProcessor,
        ModuleType::Storage,
        ModuleType::custom("x"),
        ModuleType::custom("y"),
        ModuleType::Service,
    ]
}

/// Names built to trip greedy matchers (`aba`, `ab-ab`, repeated words), sorted, and the order
/// in which they register: shuffled.
fn tricky_names() -> (Vec<String>, Vec<usize>) {
    let words = ["a", "ab", "aba", "b", "data", "processor", "store", "x1"];
    let mut all_names = BTreeSet::new();
    for a in words {
        all_names.insert(a.to_owned());
        for b in words {
            all_names.insert(format!("{a}-{b}"));
            for c in ["a", "aba", "processor"] {
                all_names.insert(format!("{a}-{b}-{c}"));
            }
        }
    }
    let all_names: Vec<String> = all_names.into_iter().collect();
    let mut order: Vec<usize> = (0..all_names.len()).collect();
    shuffle(&mut order, &mut tiny_rng(0x9e37_79b9_7f4a_7c15));
    (all_names, order)
}

/// Registers the first `size` names of the shuffled order, kinds in turn; asks every pattern
/// with and without every type filter, twice (the second time the cached name order exists).
fn assert_discover_matches_the_reference(size: Option<usize>) -> TestResult {
    let (all_names, order) = tricky_names();
    let kinds = kinds();
    let registry = ModuleRegistry::empty();
    let mut kind_of = HashMap::new();
    for &i in order.iter().take(size.unwrap_or(all_names.len())) {
        let kind = kinds[i % kinds.len()].clone();
        kind_of.insert(all_names[i].as_str(), kind.clone());
        registry.register(cfg(&all_names[i], "1.0.0").with_type(kind))?;
    }
    for _ in 0..2 {
        for pattern in PATTERNS {
            for filter in std::iter::once(None).chain(kinds.iter().map(Some)) {
                let mut query = DiscoveryQuery::new().with_name_pattern(pattern);
                if let Some(kind) = filter {
                    query = query.with_type_filter(kind.clone());
                }
                let got = registry.discover(&query)?;
                let mut want: Vec<&str> = kind_of
                    .iter()
                    .filter(|(n, k)| reference_match(pattern, n) && filter.is_none_or(|f| f == *k))
                    .map(|(n, _)| *n)
                    .collect();
                want.sort_unstable();
                assert_eq!(names(&got), want, "size {size:?}, {pattern:?}, {filter:?}");
                assert!(got.iter().all(|m| query.matches(m)));
            }
        }
    }
    Ok(())
}

#[test]
fn discover_matches_a_reference_glob_on_a_small_registry() -> TestResult {
    assert_discover_matches_the_reference(Some(40))
}

/// Answers past 64 modules are sorted through the cached name order.
#[test]
fn discover_matches_a_reference_glob_on_a_large_registry() -> TestResult {
    assert_discover_matches_the_reference(None)
}

const CAPS: [&str; 6] = ["c0", "c1", "c2", "c3", "c4", "c5"];

/// The same 1,000 modules with pseudo-random capabilities registered forward, backward and
/// shuffled, and 60 queries with up to three required and three optional capabilities.
fn three_orders() -> ([ModuleRegistry; 3], Vec<CapabilityQuery>) {
    let mut next = tiny_rng(0x1234_5678_9abc_def1);
    let mut modules: Vec<(String, Vec<&str>)> = (0..1000)
        .map(|i| {
            let name = format!("mod-{:04}", (i * 7919) % 10000);
            let mine = CAPS.iter().copied().filter(|_| next(2) == 0).collect();
            (name, mine)
        })
        .collect();
    let register = |list: &[(String, Vec<&str>)]| {
        let registry = ModuleRegistry::empty();
        for (name, mine) in list {
            let mut config = cfg(name, "1.0.0");
            for c in mine {
                config = config.add_capability(*c);
            }
            registry.register(config).unwrap();
        }
        registry
    };
    let forward = register(&modules);
    modules.reverse();
    let backward = register(&modules);
    shuffle(&mut modules, &mut next);
    let shuffled = register(&modules);
    let mut pick = || -> Vec<&str> {
        (0..next(4))
            .map(|_| CAPS[next(CAPS.len() as u64) as usize])
            .collect()
    };
    let queries = (0..60)
        .map(|_| {
            let required = pick();
            CapabilityQuery::new()
                .with_required_capabilities(required)
                .with_optional_capabilities(pick())
        })
        .collect();
    ([forward, backward, shuffled], queries)
}

/// Every registry answers every query as the reference does: by score, then name.
fn assert_ranked_as_the_reference(registries: &[ModuleRegistry; 3], queries: &[CapabilityQuery]) {
    let all = registries[0].modules();
    for query in queries {
        let mut want: Vec<(Reverse<usize>, &str)> = all
            .iter()
            .filter_map(|m| Some((Reverse(query.score(m)?), m.name())))
            .collect();
        want.sort_unstable();
        let want: Vec<&str> = want.into_iter().map(|(_, n)| n).collect();
        for registry in registries {
            let got = registry.discover_capabilities(query).unwrap();
            assert_eq!(names(&got), want, "{query:?}");
        }
    }
}

/// Builds the cached name order with a large answer.
fn build_cached_order(registries: &[ModuleRegistry; 3]) -> TestResult {
    for registry in registries {
        assert_eq!(registry.discover(DiscoveryQuery::new())?.len(), 1000);
    }
    Ok(())
}

#[test]
fn capability_ranking_does_not_depend_on_registration_order() {
    let (registries, queries) = three_orders();
    assert_ranked_as_the_reference(&registries, &queries);
}

#[test]
fn capability_ranking_is_the_same_once_the_cached_name_order_exists() -> TestResult {
    let (registries, queries) = three_orders();
    build_cached_order(&registries)?;
    assert_ranked_as_the_reference(&registries, &queries);
    Ok(())
}

#[test]
fn capability_ranking_is_the_same_after_registrations_invalidate_the_cached_order() -> TestResult {
    let (registries, queries) = three_orders();
    build_cached_order(&registries)?;
    // New names sorting first and last.
    for registry in &registries {
        for name in ["aaa", "zzz", "mod-5000-b"] {
            registry.register(cfg(name, "1.0.0").add_capability("c0").add_capability("c5"))?;
        }
    }
    assert_ranked_as_the_reference(&registries, &queries);
    Ok(())
}

/// A discovery strategy describing its entries (version 0.0.1, capability `ext`) that match
/// the query, and logging each query's name pattern.
struct Catalogue {
    entries: Vec<(&'static str, ModuleType)>,
    asked: Log,
}

impl CustomDiscoveryStrategy for Catalogue {
    fn discover(&self, query: &DiscoveryQuery) -> Result<Vec<ModuleInfo>, RegistryError> {
        push(&self.asked, format!("{:?}", query.name_pattern()));
        let mut out = Vec::new();
        for (name, kind) in &self.entries {
            let info = ModuleInfo::from_config(
                cfg(name, "0.0.1")
                    .with_type(kind.clone())
                    .add_capability("ext"),
            )?;
            if query.matches(&info) {
                out.push(info);
            }
        }
        Ok(out)
    }
}

/// Two overlapping catalogues over a registry holding `local` (a Service) and 100 `m-NNN-ext`
/// data processors.
fn catalogued(asked: &Log) -> Result<ModuleRegistry, RegistryError> {
    let dp = ModuleType::DataProcessor;
    let catalogue = |entries| Catalogue {
        entries,
        asked: asked.clone(),
    };
    let first = catalogue(vec![
        ("zeta-ext", dp.clone()),
        ("alpha-ext", dp.clone()),
        ("shared-ext", dp.clone()),
        ("local", dp.clone()),
    ]);
    let second = catalogue(vec![
        ("shared-ext", dp.clone()),
        ("beta-ext", dp.clone()),
        ("kept-out", ModuleType::Storage),
        ("local", ModuleType::Storage),
    ]);
    let registry = ModuleRegistry::empty()
        .add_custom_discovery_strategy(Box::new(first))
        .add_custom_discovery_strategy(Box::new(second));
    registry.register(cfg("local", "1.0.0").with_type(ModuleType::Service))?;
    for i in 0..100 {
        registry.register(cfg(&format!("m-{i:03}-ext"), "1.0.0").with_type(dp.clone()))?;
    }
    Ok(registry)
}

#[test]
fn strategy_finds_merge_into_name_order_each_name_once() -> TestResult {
    let asked = Log::default();
    let found = catalogued(&asked)?.discover(
        DiscoveryQuery::new()
            .with_name_pattern("ext")
            .with_type_filter(ModuleType::DataProcessor),
    )?;
    let mut want: Vec<String> = (0..100).map(|i| format!("m-{i:03}-ext")).collect();
    want.extend(["zeta-ext", "alpha-ext", "shared-ext", "beta-ext"].map(str::to_owned));
    want.sort();
    assert_eq!(names(&found), want);
    // The query is passed through to each strategy.
    assert_eq!(entries(&asked), ["Some(\"ext\")", "Some(\"ext\")"]);
    Ok(())
}

/// "local" is registered (as a Service): the catalogues' "local" is left out, even when the
/// registry's own "local" does not match a DataProcessor filter.
#[test]
fn a_registered_module_hides_strategy_finds_of_the_same_name() -> TestResult {
    let registry = catalogued(&Log::default())?;
    let found = registry.discover(DiscoveryQuery::new().with_name_pattern("local"))?;
    assert_eq!(names(&found), ["local"]);
    assert!(found[0].is_registered());
    assert_eq!(found[0].module_type(), &ModuleType::Service);
    let found = registry.discover(
        DiscoveryQuery::new()
            .with_name_pattern("local")
            .with_type_filter(ModuleType::DataProcessor),
    )?;
    assert!(found.is_empty(), "{found:?}");
    Ok(())
}

#[test]
fn modules_a_strategy_describes_satisfy_no_capability_query() -> TestResult {
    let ext = catalogued(&Log::default())?
        .discover_capabilities(CapabilityQuery::new().with_required_capabilities(["ext"]))?;
    assert!(ext.is_empty());
    Ok(())
}

#[test]
fn one_failing_strategy_fails_the_whole_discovery() -> TestResult {
    struct Down;
    impl CustomDiscoveryStrategy for Down {
        fn discover(&self, _: &DiscoveryQuery) -> Result<Vec<ModuleInfo>, RegistryError> {
            Err(RegistryError::strategy("catalogue", "offline"))
        }
    }
    let failing = ModuleRegistry::empty()
        .add_custom_discovery_strategy(Box::new(Catalogue {
            entries: vec![],
            asked: Log::default(),
        }))
        .add_custom_discovery_strategy(Box::new(Down));
    failing.register(cfg("here", "1.0.0"))?;
    let err = failing.discover(DiscoveryQuery::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "strategy failed for module \"catalogue\": offline"
    );
    Ok(())
}

/// A plugin loader as a discovery strategy: it registers the plugins it finds, then returns
/// them. The answer must hold each plugin once (registered or described), never drop it.
#[test]
fn a_strategy_that_registers_what_it_finds_is_not_dropped_from_the_answer() {
    static REGISTRY: OnceLock<ModuleRegistry> = OnceLock::new();
    struct Loader;
    impl CustomDiscoveryStrategy for Loader {
        fn discover(&self, query: &DiscoveryQuery) -> Result<Vec<ModuleInfo>, RegistryError> {
            let registry = REGISTRY.get().expect("set before discovering");
            let mut out = Vec::new();
            for name in ["plugin-one", "plugin-two"] {
                let info = match registry.get(name) {
                    Some(info) => info,
                    None => registry.register(cfg(name, "1.0.0"))?,
                };
                if query.matches(&info) {
                    out.push(info);
                }
            }
            Ok(out)
        }
    }
    let registry = REGISTRY
        .get_or_init(|| ModuleRegistry::empty().add_custom_discovery_strategy(Box::new(Loader)));
    registry.register(cfg("host", "1.0.0")).unwrap();
    let first = registry.discover(DiscoveryQuery::new()).unwrap();
    let second = registry.discover(DiscoveryQuery::new()).unwrap();
    assert_eq!(names(&second), ["host", "plugin-one", "plugin-two"]);
    assert_eq!(names(&first), names(&second));
}
