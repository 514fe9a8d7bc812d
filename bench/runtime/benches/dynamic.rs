//! The dynamic registry (the FAQ API) at 10,000 modules, beside the static registry of the
//! 10,000-module fixture measured in the same run.
//! `cargo bench --manifest-path bench/Cargo.toml -p registry-bench-runtime --bench dynamic`
//!
//! The FAQ promises under 1 ms for a registration and for a discovery query; the groups below
//! time 10,000 registrations in one sample, one registration into a registry of 10,000, and one
//! query over 10,000 modules per sample. `scripts/bench.sh` turns the output into the dynamic
//! registry's section of `BENCHMARKS.md`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

use divan::{black_box, Bencher};
use module_registry::dynamic::DependencyConfig;
use module_registry::{
    CapabilityQuery, DiscoveryQuery, DynModule, ModuleConfig, ModuleRegistry, ModuleType, Registry,
};
use registry_bench_n10000 as fx;

const N: usize = 10_000;

/// Counts live heap bytes while `COUNTING` is on (only for the memory figure, before divan runs).
struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator unchanged, only counting sizes.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Heap bytes that `make` leaves allocated in what it returns.
fn bytes_kept<T>(make: impl FnOnce() -> T) -> isize {
    LIVE.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    let kept = make();
    COUNTING.store(false, Ordering::Relaxed);
    let bytes = LIVE.load(Ordering::Relaxed);
    drop(kept);
    bytes
}

fn main() {
    let linked = Registry::global();
    assert!(linked.contains::<fx::Probe>(), "the fixture is linked");
    assert_eq!(linked.len(), fx::N);
    let registry = populated();
    println!("# dynamic modules {}", registry.len());
    println!(
        "# answer discover(processor, DataProcessor) {}",
        registry.discover(faq_query()).unwrap().len()
    );
    println!(
        "# answer discover_capabilities(faq) {}",
        registry.discover_capabilities(faq_caps()).unwrap().len()
    );
    println!(
        "# answer discover_capabilities(common) {}",
        registry.discover_capabilities(all_caps()).unwrap().len()
    );
    println!(
        "# answer static with_capability {}",
        linked.with_capability(fx::LARGE_CAP).count()
    );
    println!(
        "# answer static name scan {}",
        linked
            .modules()
            .filter(|d| d.name().contains("worker"))
            .count()
    );
    // What 1,000 modules take on the heap, configs built inside the count (what the registry
    // keeps of them counts, what it frees does not) and the queries' caches included.
    let dynamic = bytes_kept(|| {
        let registry = ModuleRegistry::empty();
        for i in 0..1000 {
            registry.register(config(i)).unwrap();
        }
        registry.discover(faq_query()).unwrap();
        registry.discover_capabilities(all_caps()).unwrap();
        registry
    });
    let map = bytes_kept(|| {
        (0..1000)
            .map(|i| {
                let c = config(i);
                (c.name().to_owned(), c)
            })
            .collect::<HashMap<_, _>>()
    });
    println!("# bytes 1000 dynamic modules {dynamic}");
    println!("# bytes 1000 configs in a HashMap {map}");
    divan::Divan::from_args().main();
}

struct Nop;

impl DynModule for Nop {
    fn name(&self) -> &str {
        "nop"
    }
    fn version(&self) -> &str {
        "1.0.0"
    }
    fn module_type(&self) -> ModuleType {
        ModuleType::Service
    }
}

/// Module `i`: one in ten is a `*-processor-*`, kinds alternate, capabilities follow `i`.
fn config(i: usize) -> ModuleConfig {
    let name = if i % 10 == 0 {
        format!("data-processor-{i:05}")
    } else {
        format!("module-{i:05}")
    };
    let mut c = ModuleConfig::new()
        .with_name(name)
        .with_version("1.2.3")
        .with_type(if i % 2 == 0 {
            ModuleType::DataProcessor
        } else {
            ModuleType::Service
        })
        .add_capability(format!("cap-{}", i % 50))
        .add_capability("common")
        .with_factory(|_| Ok(Box::new(Nop)));
    for (m, cap) in [
        (3, "encryption"),
        (5, "compression"),
        (7, "monitoring"),
        (11, "logging"),
    ] {
        if i % m == 0 {
            c = c.add_capability(cap);
        }
    }
    c
}

/// Module `i` depending on module `i - 1` with a requirement, and optionally on a name that
/// registers later: every registration takes the checked path.
fn config_with_deps(i: usize) -> ModuleConfig {
    let mut c =
        config(i).add_dependency(DependencyConfig::new(format!("late-{}", i + 1)).optional());
    if i > 0 {
        let prev = if (i - 1) % 10 == 0 {
            format!("data-processor-{:05}", i - 1)
        } else {
            format!("module-{:05}", i - 1)
        };
        c = c.add_dependency(DependencyConfig::new(prev).with_version_req("^1.2"));
    }
    c
}

fn populated() -> ModuleRegistry {
    let registry = ModuleRegistry::empty();
    for i in 0..N {
        registry.register(config(i)).unwrap();
    }
    registry
}

fn faq_query() -> DiscoveryQuery {
    DiscoveryQuery::new()
        .with_name_pattern("processor")
        .with_type_filter(ModuleType::DataProcessor)
}

fn faq_caps() -> CapabilityQuery {
    CapabilityQuery::new()
        .with_required_capabilities(vec!["encryption", "compression"])
        .with_optional_capabilities(vec!["monitoring", "logging"])
}

fn all_caps() -> CapabilityQuery {
    CapabilityQuery::new()
        .with_required_capabilities(vec!["common"])
        .with_optional_capabilities(vec!["monitoring", "logging"])
}

/// 10,000 registrations per sample, from configs built outside the timing. The configs are
/// drained from their vector, which is handed back with the registry, so that freeing it (and
/// dropping the registry) falls outside the timing, for the peers alike.
mod register {
    use super::*;

    fn register_all(
        (registry, mut configs): (ModuleRegistry, Vec<ModuleConfig>),
    ) -> (ModuleRegistry, Vec<ModuleConfig>) {
        for c in configs.drain(..) {
            black_box(registry.register(c).is_ok());
        }
        (registry, configs)
    }

    #[divan::bench(sample_count = 100)]
    fn dynamic_10000_plain(bencher: Bencher) {
        bencher
            .with_inputs(|| {
                (
                    ModuleRegistry::empty(),
                    (0..N).map(config).collect::<Vec<_>>(),
                )
            })
            .bench_values(register_all);
    }

    #[divan::bench(sample_count = 100)]
    fn dynamic_10000_with_deps(bencher: Bencher) {
        bencher
            .with_inputs(|| {
                (
                    ModuleRegistry::empty(),
                    (0..N).map(config_with_deps).collect::<Vec<_>>(),
                )
            })
            .bench_values(register_all);
    }

    /// One registration (the FAQ's "per module registration") into a registry that already
    /// holds 10,000 modules; the new module depends on one of them with a requirement. One
    /// registration per sample, so a sample's time includes the timer's own reading.
    #[divan::bench(sample_count = 200, sample_size = 1)]
    fn dynamic_one_into_10000(bencher: Bencher) {
        bencher
            .with_inputs(|| (populated(), config_with_deps(N)))
            .bench_values(|(registry, c)| {
                black_box(registry.register(c).is_ok());
                registry
            });
    }

    /// Peer: the same 10,000 configs inserted into a std `HashMap<String, ModuleConfig>` keyed
    /// by a copy of the name: a container with no checks at all.
    #[divan::bench(sample_count = 100)]
    fn peer_hashmap_10000(bencher: Bencher) {
        bencher
            .with_inputs(|| (0..N).map(config).collect::<Vec<_>>())
            .bench_values(|mut configs| {
                let mut map = HashMap::new();
                for c in configs.drain(..) {
                    black_box(map.insert(c.name().to_owned(), c).is_none());
                }
                (map, configs)
            });
    }

    /// As the FAQ writes it: each config built just before its registration (strings,
    /// capability list, factory), so the timing includes building them.
    #[divan::bench(sample_count = 100)]
    fn dynamic_10000_plain_with_config(bencher: Bencher) {
        bencher
            .with_inputs(ModuleRegistry::empty)
            .bench_values(|registry| {
                for i in 0..N {
                    black_box(registry.register(config(i)).is_ok());
                }
                registry
            });
    }

    /// Peer of the above: each config built just before it goes into a std `HashMap`.
    #[divan::bench(sample_count = 100)]
    fn peer_hashmap_10000_with_config(bencher: Bencher) {
        bencher
            .with_inputs(HashMap::new)
            .bench_values(|mut map: HashMap<String, ModuleConfig>| {
                for i in 0..N {
                    let c = config(i);
                    black_box(map.insert(c.name().to_owned(), c).is_none());
                }
                map
            });
    }

    /// Building the 10,000 configs alone, into a vector whose pages were touched before the
    /// timing: what the two above do besides registering or inserting.
    #[divan::bench(sample_count = 100)]
    fn dynamic_10000_configs_only(bencher: Bencher) {
        bencher
            .with_inputs(|| {
                let mut configs = Vec::with_capacity(N);
                configs.extend((0..N).map(config));
                configs.clear();
                configs
            })
            .bench_values(|mut configs: Vec<ModuleConfig>| {
                configs.extend((0..N).map(config));
                configs
            });
    }

    /// Peer: the static registry of 10,000 linked modules building its lookup tables (a fresh
    /// list registry, then its first `find`).
    #[divan::bench(sample_count = 100)]
    fn static_10000_index(bencher: Bencher) {
        bencher
            .with_inputs(|| Registry::from_descriptors(Registry::global().modules()))
            .bench_values(|registry| {
                black_box(registry.find(fx::PROBE_NAME).is_some());
                registry
            });
    }
}

/// One query over 10,000 modules per sample.
mod discover {
    use std::sync::OnceLock;

    use super::*;

    fn registry() -> &'static ModuleRegistry {
        static REGISTRY: OnceLock<ModuleRegistry> = OnceLock::new();
        REGISTRY.get_or_init(populated)
    }

    fn linked() -> &'static ModuleRegistry {
        static REGISTRY: OnceLock<ModuleRegistry> = OnceLock::new();
        REGISTRY.get_or_init(ModuleRegistry::new)
    }

    /// The FAQ's query: 1,000 answers of 10,000.
    #[divan::bench]
    fn dynamic_faq_query(bencher: Bencher) {
        let registry = registry();
        let query = faq_query();
        bencher.bench(|| registry.discover(&query).unwrap().len());
    }

    /// A pattern with 10 answers.
    #[divan::bench]
    fn dynamic_small_answer(bencher: Bencher) {
        let registry = registry();
        let query = DiscoveryQuery::new().with_name_pattern("processor-001");
        bencher.bench(|| registry.discover(&query).unwrap().len());
    }

    /// The first query after a registration rebuilds the cached name order.
    #[divan::bench(sample_count = 50)]
    fn dynamic_faq_query_after_register(bencher: Bencher) {
        bencher
            .with_inputs(populated)
            .bench_refs(|registry| registry.discover(faq_query()).unwrap().len());
    }

    /// Over the 10,000 linked modules of the fixture, through `ModuleRegistry::new()`.
    #[divan::bench]
    fn dynamic_over_linked(bencher: Bencher) {
        let registry = linked();
        let query = DiscoveryQuery::new().with_name_pattern("worker");
        bencher.bench(|| registry.discover(&query).unwrap().len());
    }

    /// Peer: a name scan of the static registry (it has no pattern query).
    #[divan::bench]
    fn static_name_scan(bencher: Bencher) {
        let registry = Registry::global();
        bencher.bench(|| {
            registry
                .modules()
                .filter(|d| d.name().contains("worker"))
                .collect::<Vec<_>>()
                .len()
        });
    }
}

mod discover_capabilities {
    use std::sync::OnceLock;

    use super::*;

    fn registry() -> &'static ModuleRegistry {
        static REGISTRY: OnceLock<ModuleRegistry> = OnceLock::new();
        REGISTRY.get_or_init(populated)
    }

    /// The FAQ's query: 667 answers, ranked.
    #[divan::bench]
    fn dynamic_faq_query(bencher: Bencher) {
        let registry = registry();
        let query = faq_caps();
        bencher.bench(|| registry.discover_capabilities(&query).unwrap().len());
    }

    /// Every module answers: 10,000 ranked.
    #[divan::bench]
    fn dynamic_all_answer(bencher: Bencher) {
        let registry = registry();
        let query = all_caps();
        bencher.bench(|| registry.discover_capabilities(&query).unwrap().len());
    }

    /// Peer: the static `with_capability` of the fixture (half of 10,000 answer), collected.
    #[divan::bench]
    fn static_with_capability(bencher: Bencher) {
        let registry = Registry::global();
        bencher.bench(|| {
            registry
                .with_capability(fx::LARGE_CAP)
                .collect::<Vec<_>>()
                .len()
        });
    }
}
