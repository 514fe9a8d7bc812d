//! The example graph's `#[module(...)]` keys and defaults, read back through descriptors.

pub mod fixtures {
    pub mod example;
}

use fixtures::example::{Cache, Crypto, Edge, Metrics, Net, Sched, Storage};
use module_registry::{ModuleType, Registry};

#[test]
fn explicit_keys_read_back_as_declared() {
    let storage = Registry::global().get::<Storage>().descriptor();
    assert_eq!(storage.name(), "storage");
    assert_eq!(storage.version().to_string(), "1.2.0");
    assert_eq!(*storage.kind(), ModuleType::Storage);
    assert_eq!(storage.capabilities(), ["storage", "persistence"]);
}

#[test]
fn every_key_of_a_module_reads_back_with_its_defaults() {
    let cache = Registry::global().get::<Cache>().descriptor();
    assert_eq!(
        cache.name(),
        "cache",
        "default name: kebab-case of the struct"
    );
    assert_eq!(cache.version().to_string(), "0.3.1");
    assert_eq!(*cache.kind(), ModuleType::Service, "default kind");
    assert_eq!(cache.capabilities(), ["cache"]);
    assert_eq!(cache.requires(), ["encryption"]);
    let provides: Vec<String> = cache.provides().iter().map(|p| p.to_string()).collect();
    assert_eq!(provides, ["dyn CacheApi"]);
    let deps: Vec<(String, Option<String>, bool)> = cache
        .dependencies()
        .iter()
        .map(|d| {
            (
                d.name().to_owned(),
                d.version_req().map(|r| r.to_string()),
                d.is_optional(),
            )
        })
        .collect();
    assert_eq!(
        deps,
        [
            ("storage".to_owned(), Some("^1.2".to_owned()), false),
            ("metrics".to_owned(), None, true),
        ]
    );
}

#[test]
fn a_descriptor_names_its_type_and_points_at_its_derive() {
    let cache = Registry::global().get::<Cache>().descriptor();
    assert!(
        cache.type_name().ends_with("Cache"),
        "{}",
        cache.type_name()
    );
    let loc = cache.location();
    assert_eq!(loc.file(), "tests/tests/fixtures/example.rs");
    let line = include_str!("fixtures/example.rs")
        .lines()
        .nth(loc.line() as usize - 1)
        .unwrap();
    assert!(line.contains("#[derive(Module)]"), "{line}");
    assert!(loc.column() >= 1);
}

#[test]
fn every_module_type_variant_reads_back_from_the_attribute() {
    let r = Registry::global();
    assert_eq!(
        *r.get::<Edge>().descriptor().kind(),
        ModuleType::DataProcessor
    );
    assert_eq!(
        *r.get::<Metrics>().descriptor().kind(),
        ModuleType::Monitoring
    );
    assert_eq!(*r.get::<Crypto>().descriptor().kind(), ModuleType::Security);
    assert_eq!(*r.get::<Net>().descriptor().kind(), ModuleType::Network);
    let custom = r.get::<Sched>().descriptor().kind();
    assert_eq!(*custom, ModuleType::Custom("scheduler".into()));
    assert_eq!(custom.to_string(), "scheduler");
}
