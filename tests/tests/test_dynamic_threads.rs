//! The dynamic registry shared by threads, kept small enough to run under Miri: two writers
//! and a reader agree on the final registry, and instances made on several threads each
//! build and clean up their own modules.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Barrier;

use module_registry::dynamic::DependencyConfig;
use module_registry::{
    DiscoveryQuery, DynModule, ModuleConfig, ModuleError, ModuleRegistry, ModuleType,
};

struct Counted(&'static str, &'static AtomicUsize);

impl DynModule for Counted {
    fn name(&self) -> &str {
        self.0
    }
    fn version(&self) -> &str {
        "1.0.0"
    }
    fn module_type(&self) -> ModuleType {
        ModuleType::Service
    }
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        self.1.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn config(name: &'static str, cleanups: &'static AtomicUsize) -> ModuleConfig {
    ModuleConfig::new()
        .with_name(name)
        .with_version("1.0.0")
        .with_factory(move |_| Ok(Box::new(Counted(name, cleanups))))
}

#[test]
fn two_writers_and_a_reader_agree_on_the_final_registry() {
    static CLEANUPS: AtomicUsize = AtomicUsize::new(0);
    const CHAINS: [[&str; 3]; 2] = [["a0", "a1", "a2"], ["b0", "b1", "b2"]];
    let registry = ModuleRegistry::empty();
    let barrier = Barrier::new(3);
    std::thread::scope(|s| {
        for chain in CHAINS {
            let (registry, barrier) = (&registry, &barrier);
            s.spawn(move || {
                barrier.wait();
                for (k, name) in chain.iter().enumerate() {
                    let mut c = config(name, &CLEANUPS);
                    if k > 0 {
                        c = c.add_dependency(chain[k - 1]);
                    }
                    // Both race for "shared": exactly one wins.
                    let shared = config("shared", &CLEANUPS)
                        .add_dependency(DependencyConfig::new(chain[0]).optional());
                    let _ = registry.register(shared);
                    registry.register(c).unwrap();
                }
            });
        }
        s.spawn(|| {
            barrier.wait();
            let mut last = 0;
            for _ in 0..4 {
                let found = registry.discover(DiscoveryQuery::new()).unwrap().len();
                assert!(found >= last, "the registry only grows");
                last = found;
            }
        });
    });
    assert_eq!(registry.len(), 7);
    assert!(registry.validate().is_ok());
    registry.create("a2").unwrap().shutdown().unwrap();
    assert_eq!(CLEANUPS.load(Ordering::SeqCst), 3);
}

#[test]
fn instances_made_on_threads_each_clean_up_their_own_modules() {
    static CLEANUPS: AtomicUsize = AtomicUsize::new(0);
    let registry = ModuleRegistry::empty();
    registry.register(config("base", &CLEANUPS)).unwrap();
    registry
        .register(config("top", &CLEANUPS).add_dependency("base"))
        .unwrap();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let instance = registry.create("top").unwrap();
                assert_eq!(instance.modules().collect::<Vec<_>>(), ["base", "top"]);
                instance.shutdown().unwrap();
            });
        }
    });
    assert_eq!(CLEANUPS.load(Ordering::SeqCst), 4);
}
