//! The benchmarks run at each registry size, every one beside its peers in the same binary.
//!
//! Included by `registry_<N>.rs`, which names the fixture crate of N generated modules as `fx`
//! (it is the only crate contributing modules, so `Registry::global()` holds exactly N).
//! `scripts/bench.sh` runs the three binaries and turns their output into `BENCHMARKS.md`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;

use divan::{black_box, Bencher};
use module_registry::{ModuleDescriptor, Registry, Runtime};

use super::fx;

/// Counts allocations while `COUNTING` is on; off during the timed benchmarks.
struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn allocations_per_call(calls: usize, mut f: impl FnMut(usize)) -> f64 {
    ALLOCATIONS.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    for i in 0..calls {
        f(i);
    }
    COUNTING.store(false, Ordering::Relaxed);
    ALLOCATIONS.load(Ordering::Relaxed) as f64 / calls as f64
}

/// Prints the facts the report needs (lines starting with `# `), then runs divan.
pub fn main() {
    let registry = Registry::global();
    assert_eq!(
        registry.len(),
        fx::N,
        "only the fixture's modules are linked"
    );
    assert!(registry.find(fx::PROBE_NAME).is_some());
    let names = names();
    println!("# modules {}", registry.len());
    println!(
        "# size_of ModuleDescriptor {}",
        std::mem::size_of::<ModuleDescriptor>()
    );
    println!(
        "# answer {} {}",
        fx::SMALL_CAP,
        registry.with_capability(fx::SMALL_CAP).len()
    );
    println!(
        "# answer {} {}",
        fx::LARGE_CAP,
        registry.with_capability(fx::LARGE_CAP).len()
    );
    let find = allocations_per_call(10_000, |i| {
        black_box(registry.find(names[i % names.len()]));
    });
    println!("# allocations per find {find}");
    let cap = allocations_per_call(1_000, |_| {
        for d in registry.with_capability(fx::LARGE_CAP) {
            black_box(d);
        }
    });
    println!("# allocations per with_capability {cap}");
    let boot = allocations_per_call(3, |_| drop(black_box(registry.boot().unwrap())));
    println!("# allocations per boot {boot}");
    let fresh: Vec<Registry> = (0..3)
        .map(|_| Registry::from_descriptors(registry.modules()))
        .collect();
    let first = allocations_per_call(3, |i| drop(black_box(fresh[i].boot().unwrap())));
    println!("# allocations per first boot {first}");
    let rt = runtime();
    let get = allocations_per_call(10_000, |_| {
        black_box(black_box(rt).get::<fx::Probe>());
    });
    println!("# allocations per runtime.get {get}");
    divan::Divan::from_args().main();
}

/// Every module name, in a fixed pseudo-random order, so that lookups do not walk the table in
/// order.
fn names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<&'static str> = Registry::global().modules().map(|d| d.name()).collect();
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        for i in (1..names.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            names.swap(i, (state % (i as u64 + 1)) as usize);
        }
        names
    })
}

/// An endless walk over [`names`]: each call returns the next name. A `Cell` and a compare,
/// about 1 ns, the same for every peer (divan's `with_inputs` batches proved noisier here).
fn next_name() -> impl Fn() -> &'static str {
    let names = names();
    let i = std::cell::Cell::new(0);
    move || {
        let n = i.get();
        i.set(if n + 1 == names.len() { 0 } else { n + 1 });
        names[n]
    }
}

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Registry::global().boot().expect("the fixture boots"))
}

/// A plain static with a name, the peer of a handle's `name()`.
struct PlainDescriptor {
    name: &'static str,
}

static PLAIN: PlainDescriptor = PlainDescriptor {
    name: "billing-worker-3",
};

/// `registry.get::<T>()` and its accessors against a direct read of a static.
mod handle {
    use super::*;

    /// As written by a user: both sides fold to a constant; `black_box` keeps the result.
    #[divan::bench]
    fn registry_name() -> &'static str {
        black_box(Registry::global()).get::<fx::Probe>().name()
    }

    #[divan::bench]
    fn static_name() -> &'static str {
        PLAIN.name
    }

    /// With the reference made opaque, so both do the load.
    #[divan::bench]
    fn registry_name_load() -> &'static str {
        black_box(Registry::global().get::<fx::Probe>().descriptor()).name()
    }

    #[divan::bench]
    fn static_name_load() -> &'static str {
        black_box(&PLAIN).name
    }
}

trait ProbeApi: shaku::Interface {}

#[derive(shaku::Component)]
#[shaku(interface = ProbeApi)]
struct ShakuProbe;

impl ProbeApi for ShakuProbe {}

shaku::module! {
    ShakuModule {
        components = [ShakuProbe],
        providers = []
    }
}

static PROBE_INSTANCE: fx::Probe = fx::Probe;

/// A static holding a reference, read through an opaque `&STATIC`: one load, as `runtime.get`
/// loads the instance pointer from its slot.
struct ProbeRef(&'static fx::Probe);

static PROBE_REF: ProbeRef = ProbeRef(&PROBE_INSTANCE);

/// `runtime.get::<T>()` against a static, shaku, `HashMap<TypeId, Box<dyn Any>>` and anymap2.
/// Each returns the reference (divan `black_box`es it), so no lookup can be folded away.
mod runtime_get {
    use shaku::HasComponent;

    use super::*;

    #[divan::bench]
    fn registry(bencher: Bencher) {
        // Owned here and captured by reference, as the peers' containers are.
        let rt = Registry::global().boot().expect("the fixture boots");
        bencher.bench(|| black_box(&rt).get::<fx::Probe>());
    }

    /// The address of a static: a constant, no memory read (the loop alone).
    #[divan::bench]
    fn static_ref() -> &'static fx::Probe {
        black_box(&PROBE_INSTANCE)
    }

    /// A direct `&STATIC` read: the pointer stored in a static, loaded through an opaque
    /// reference.
    #[divan::bench]
    fn static_read() -> &'static fx::Probe {
        black_box(&PROBE_REF).0
    }

    #[divan::bench]
    fn shaku_resolve_ref(bencher: Bencher) {
        let module = ShakuModule::builder().build();
        bencher.bench(|| -> &dyn ProbeApi { black_box(&module).resolve_ref() });
    }

    #[divan::bench]
    fn hashmap_typeid(bencher: Bencher) {
        let mut map: HashMap<TypeId, Box<dyn Any + Send + Sync>> = HashMap::new();
        map.insert(TypeId::of::<u8>(), Box::new(1u8));
        map.insert(TypeId::of::<u16>(), Box::new(2u16));
        map.insert(TypeId::of::<u32>(), Box::new(3u32));
        map.insert(TypeId::of::<u64>(), Box::new(4u64));
        map.insert(TypeId::of::<String>(), Box::new(String::new()));
        map.insert(TypeId::of::<Vec<u8>>(), Box::new(Vec::<u8>::new()));
        map.insert(TypeId::of::<()>(), Box::new(()));
        map.insert(TypeId::of::<fx::Probe>(), Box::new(fx::Probe));
        bencher.bench(|| {
            black_box(&map)
                .get(&TypeId::of::<fx::Probe>())
                .and_then(|b| b.downcast_ref::<fx::Probe>())
        });
    }

    #[divan::bench]
    fn anymap2(bencher: Bencher) {
        let mut map = anymap2::SendSyncAnyMap::new();
        map.insert(1u8);
        map.insert(2u16);
        map.insert(String::new());
        map.insert(fx::Probe);
        bencher.bench(|| black_box(&map).get::<fx::Probe>());
    }
}

/// `registry.find(name)` against std `HashMap<&str, _>`, a sorted `Vec` and inventory. Every
/// call looks up the next name of a shuffled list of all N names. Fixed sample sizes: divan's
/// automatic ones came out at 4-8 calls per sample here, where one cold call per sample
/// dominated (140 ns instead of the 20 ns a plain loop of a million calls measures).
mod find {
    use super::*;

    #[divan::bench(sample_size = 2_000)]
    fn registry(bencher: Bencher) {
        let registry = Registry::global();
        let _ = registry.find(""); // builds the table
        let next = next_name();
        bencher.bench_local(|| registry.find(next()).is_some());
    }

    #[divan::bench(sample_size = 2_000)]
    fn hashmap_str(bencher: Bencher) {
        let map: HashMap<&'static str, &'static ModuleDescriptor> = Registry::global()
            .modules()
            .map(|d| (d.name(), d))
            .collect();
        let next = next_name();
        bencher.bench_local(|| map.contains_key(next()));
    }

    #[divan::bench(sample_size = 2_000)]
    fn sorted_vec(bencher: Bencher) {
        let mut v: Vec<(&'static str, &'static ModuleDescriptor)> = Registry::global()
            .modules()
            .map(|d| (d.name(), d))
            .collect();
        v.sort_unstable_by_key(|e| e.0);
        let next = next_name();
        bencher.bench_local(|| v.binary_search_by_key(&next(), |e| e.0).is_ok());
    }

    #[divan::bench(sample_size = 100)]
    fn inventory(bencher: Bencher) {
        let next = next_name();
        bencher.bench_local(|| fx::inv::find(next()).is_some());
    }
}

fn visit(it: impl Iterator<Item = &'static ModuleDescriptor>) {
    for d in it {
        black_box(d);
    }
}

/// `with_capability` for a 4-module answer and a N/2-module answer, against a scan of every
/// module (what a registry without a capability index does).
mod with_capability {
    use super::*;

    #[divan::bench]
    fn small(bencher: Bencher) {
        let registry = Registry::global();
        bencher.bench(|| visit(registry.with_capability(black_box(fx::SMALL_CAP))));
    }

    #[divan::bench]
    fn large(bencher: Bencher) {
        let registry = Registry::global();
        bencher.bench(|| visit(registry.with_capability(black_box(fx::LARGE_CAP))));
    }

    #[divan::bench]
    fn scan_small(bencher: Bencher) {
        let registry = Registry::global();
        bencher.bench(|| {
            let cap = black_box(fx::SMALL_CAP);
            visit(registry.modules().filter(|d| d.has_capability(cap)));
        });
    }

    #[divan::bench]
    fn scan_large(bencher: Bencher) {
        let registry = Registry::global();
        bencher.bench(|| {
            let cap = black_box(fx::LARGE_CAP);
            visit(registry.modules().filter(|d| d.has_capability(cap)));
        });
    }
}

/// `boot()` of every module (user code: `Default::default()` of empty structs). The runtime is
/// dropped (shut down) outside the timed loop. A registry checks its graph once and keeps the
/// order, so `registry` (the global registry, booted again and again) shows a later boot, and
/// `first` a process's first: a fresh registry of the same modules each time
/// (`Registry::from_descriptors`), graph checks included.
mod boot {
    use super::*;

    fn fresh() -> Registry {
        Registry::from_descriptors(Registry::global().modules())
    }

    #[divan::bench(sample_count = 30)]
    fn first(bencher: Bencher) {
        bencher.with_inputs(fresh).bench_values(|r| {
            let rt = r.boot().unwrap();
            (rt, r)
        });
    }

    /// The graph part of a first boot: checks and order.
    #[divan::bench(sample_count = 30)]
    fn first_init_order(bencher: Bencher) {
        bencher.with_inputs(fresh).bench_values(|r| {
            let order = r.init_order().unwrap();
            (order, r)
        });
    }

    #[divan::bench(sample_count = 30)]
    fn registry(bencher: Bencher) {
        let registry = Registry::global();
        let _ = registry.init_order();
        bencher.bench(|| registry.boot().unwrap());
    }

    /// `shutdown()` of a booted runtime: `cleanup` and drop of every module in reverse order.
    #[divan::bench(sample_count = 30)]
    fn shutdown(bencher: Bencher) {
        let registry = Registry::global();
        bencher
            .with_inputs(|| registry.boot().unwrap())
            .bench_values(|rt| rt.shutdown().is_ok());
    }

    /// The least a hand-written runtime does: create every inventory entry, no ordering, no
    /// checks, no lifecycle.
    #[divan::bench(sample_count = 30)]
    fn inventory_create_all(bencher: Bencher) {
        bencher.bench(|| {
            fx::inv::all()
                .map(|p| (p.name, (p.create)()))
                .collect::<Vec<_>>()
        });
    }
}
