//! Memory of the dynamic registry, measured with a counting allocator: 1,000 registered modules
//! must fit in 1 MB (the FAQ's "< 1MB for typical workloads"). Run with `--nocapture` to see the
//! figure.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use module_registry::dynamic::DependencyConfig;
use module_registry::{
    CapabilityQuery, DiscoveryQuery, DynModule, ModuleConfig, ModuleRegistry, ModuleType,
};

/// Live heap bytes of the whole process.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator unchanged, only counting sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

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

/// A typical module: a name, a version, a kind, two capabilities, a dependency with a
/// requirement on the previous module, an optional one on a module never registered, a factory.
fn config(i: usize) -> ModuleConfig {
    let mut c = ModuleConfig::new()
        .with_name(format!("module-{i:05}"))
        .with_version("1.2.3")
        .with_type(if i % 2 == 0 {
            ModuleType::DataProcessor
        } else {
            ModuleType::Service
        })
        .add_capability(format!("cap-{}", i % 50))
        .add_capability("common")
        .add_dependency(DependencyConfig::new(format!("absent-{}", i % 10)).optional())
        .with_factory(|_| Ok(Box::new(Nop)));
    if i > 0 {
        c = c.add_dependency(
            DependencyConfig::new(format!("module-{:05}", i - 1)).with_version_req("^1"),
        );
    }
    c
}

#[test]
fn a_thousand_modules_fit_in_a_megabyte() {
    let before = LIVE.load(Ordering::Relaxed);
    let registry = ModuleRegistry::empty();
    for i in 0..1000 {
        registry.register(config(i)).unwrap();
    }
    // Build the cached name order too: it is part of the registry's footprint.
    assert_eq!(
        registry
            .discover(DiscoveryQuery::new().with_name_pattern("module"))
            .unwrap()
            .len(),
        1000
    );
    let caps = CapabilityQuery::new().with_required_capabilities(["common"]);
    assert_eq!(registry.discover_capabilities(caps).unwrap().len(), 1000);
    let bytes = LIVE.load(Ordering::Relaxed) - before;
    println!(
        "dynamic registry: 1,000 modules in {bytes} bytes ({} per module)",
        bytes / 1000
    );
    assert!(bytes <= 1 << 20, "{bytes} bytes");
    drop(registry);
}
