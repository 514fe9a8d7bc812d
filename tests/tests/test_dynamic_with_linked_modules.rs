//! The dynamic registry over the linked modules of the example graph: it starts with them,
//! finds them, refuses registrations that clash with them in the static checks' words, and
//! creates them through the static runtime.

pub mod fixtures {
    pub mod example;
    pub mod failing;
}

use std::error::Error;

use fixtures::example::Storage;
use fixtures::failing::serial;
use module_registry::dynamic::DependencyConfig;
use module_registry::{
    CapabilityQuery, DiscoveryQuery, Module, ModuleConfig, ModuleRegistry, ModuleType, Registry,
    RegistryError,
};
use module_registry_tests::inspect::names;

type TestResult = Result<(), Box<dyn Error>>;

fn reader() -> ModuleConfig {
    ModuleConfig::new()
        .with_name("reader")
        .with_version("1.0.0")
}

/// Registers `config`, expecting a refusal that leaves the registry's length as it was.
fn refused(registry: &ModuleRegistry, config: ModuleConfig) -> RegistryError {
    let before = registry.len();
    let err = registry.register(config).unwrap_err();
    assert_eq!(
        registry.len(),
        before,
        "a refusal leaves the registry unchanged"
    );
    err
}

/// The first finding of a refusal: its code and its text.
fn first_finding(err: &RegistryError) -> (&'static str, String) {
    let e = &err.validation_errors().unwrap().errors()[0];
    (e.code(), e.to_string())
}

#[test]
fn a_new_dynamic_registry_starts_with_the_linked_modules_and_finds_them() -> TestResult {
    let registry = ModuleRegistry::new();
    assert_eq!(registry.len(), Registry::global().len());
    let storage = registry.discover(DiscoveryQuery::new().with_type_filter(ModuleType::Storage))?;
    assert_eq!(names(&storage), ["storage"]);
    let query = DiscoveryQuery::new()
        .with_name_pattern("a-")
        .with_type_filter(ModuleType::DataProcessor);
    assert_eq!(names(&registry.discover(query)?), ["a-edge"]);
    let query = CapabilityQuery::new()
        .with_required_capabilities(vec!["storage"])
        .with_optional_capabilities(vec!["persistence"]);
    assert_eq!(names(&registry.discover_capabilities(query)?), ["storage"]);
    Ok(())
}

#[test]
fn a_duplicate_of_a_linked_module_names_both_locations() {
    let registry = ModuleRegistry::new();
    let err = refused(
        &registry,
        ModuleConfig::new()
            .with_name("storage")
            .with_version("9.0.0")
            .with_type(ModuleType::Storage),
    );
    let (code, text) = first_finding(&err);
    assert_eq!(code, "MR0004");
    assert!(
        text.starts_with("duplicate module name \"storage\""),
        "{text}"
    );
    assert!(
        text.contains(&Storage::DESCRIPTOR.location().to_string()),
        "{text}"
    );
    assert!(err.to_string().contains("storage"), "{err}");
}

#[test]
fn an_unmet_requirement_on_a_linked_module_names_both_versions() {
    let registry = ModuleRegistry::new();
    let err = refused(
        &registry,
        reader().add_dependency(DependencyConfig::new("storage").with_version_req("^2")),
    );
    assert_eq!(
        first_finding(&err),
        (
            "MR0003",
            "module \"reader\" requires \"storage\" ^2, but found \"storage\" 1.2.0".to_owned()
        )
    );
}

#[test]
fn missing_dependencies_and_capabilities_read_as_the_static_check_words_them() {
    let registry = ModuleRegistry::new();
    let err = refused(&registry, reader().add_dependency("ghost"));
    assert_eq!(
        first_finding(&err).1,
        "module \"reader\" depends on \"ghost\", which is not in the registry"
    );
    let err = refused(&registry, reader().add_required_capability("teleportation"));
    assert_eq!(
        first_finding(&err).1,
        "capability \"teleportation\" required by \"reader\" is not provided by any module"
    );
    assert!(registry.get("reader").is_none());
}

#[test]
fn after_a_refusal_the_satisfiable_version_registers_on_a_linked_module() {
    let registry = ModuleRegistry::new();
    let before = registry.len();
    refused(
        &registry,
        reader().add_dependency(DependencyConfig::new("storage").with_version_req("^2")),
    );
    registry
        .register(
            reader().add_dependency(DependencyConfig::new("storage").with_version_req("^1.2")),
        )
        .unwrap();
    assert_eq!(registry.len(), before + 1);
}

#[test]
fn a_linked_module_without_requires_in_its_closure_is_created() {
    let _serial = serial();
    let registry = ModuleRegistry::new();
    let instance = registry.create("a-opt-user");
    assert!(instance.is_ok(), "{:?}", instance.err());
}

#[test]
fn linked_modules_with_requires_in_their_closure_are_created() -> TestResult {
    let _serial = serial();
    let registry = ModuleRegistry::new();
    let instance = registry.create("a-edge")?;
    assert_eq!(instance.process(b"abc")?, b"cba");
    drop(instance);
    let cache = registry.create("cache")?;
    assert_eq!(cache.name(), "cache");
    Ok(())
}
