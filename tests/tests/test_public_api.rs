//! The public API as a user spells it: signatures, handles, lookups, error types, and the
//! spellings the docs and the FAQ use, over the example graph.

pub mod fixtures {
    pub mod example;
}

use fixtures::example::Cache;
use module_registry::{
    BootError, BootPolicy, CapabilityQuery, Handle, Module, ModuleDescriptor, ModuleError,
    ModuleRegistry, ModuleType, Processor, Registry, RegistryError, Runtime, ShutdownError,
    ValidationError, ValidationErrors,
};
use module_registry_tests::inspect::descriptor_names as names;

#[test]
fn signatures_are_as_documented() {
    // Each line pins a documented signature; a change is a compile error here.
    let _: fn() -> &'static Registry = Registry::global;
    let _: fn(&Registry) -> Handle<Cache> = Registry::get::<Cache>;
    let _: fn(&Registry, &str) -> Option<&'static ModuleDescriptor> = Registry::find;
    let _: fn(&Registry) -> usize = Registry::len;
    let _: fn(&Registry) -> Result<(), ValidationErrors> = Registry::validate;
    let _: fn(&Registry) -> Result<Vec<&'static ModuleDescriptor>, ValidationErrors> =
        Registry::init_order;
    let _: fn(&Registry) -> Result<Runtime, BootError> = Registry::boot;
    let _: fn(&Registry, BootPolicy) -> Result<Runtime, BootError> = Registry::boot_with;
    let _: for<'a> fn(&'a Runtime) -> Option<&'a Cache> = Runtime::get::<Cache>;
    let _: for<'a, 'b> fn(&'a Runtime, &'b str) -> Option<&'a dyn Processor> = Runtime::processor;
    let _: fn(Runtime) -> Result<(), ShutdownError> = Runtime::shutdown;
    let _: fn(&'static str) -> ModuleError = ModuleError::new;
    let _: fn(String) -> ModuleError = ModuleError::new;
    assert_eq!(BootPolicy::default(), BootPolicy::FailFast);
}

#[test]
fn a_handle_is_copy_and_reads_its_descriptor() {
    let registry: &'static Registry = Registry::global();
    let h: Handle<Cache> = registry.get::<Cache>();
    let h2 = h; // Copy
    assert_eq!(h.name(), "cache");
    assert_eq!(h2.version().to_string(), "0.3.1");
    assert_eq!(format!("{}", h.version()), "0.3.1");
    assert!(std::ptr::eq(h.descriptor(), Cache::DESCRIPTOR));
    let found: Option<&'static ModuleDescriptor> = registry.find("cache");
    assert!(std::ptr::eq(found.unwrap(), h.descriptor()));
}

#[test]
fn the_global_registry_holds_every_linked_module() {
    let registry = Registry::global();
    assert!(registry.find("no-such-module").is_none());
    let all: Vec<&'static ModuleDescriptor> = registry.modules().collect();
    assert_eq!(all.len(), registry.len());
    let mut all_names = names(all.iter().copied());
    all_names.sort_unstable();
    assert_eq!(
        all_names,
        ["a-edge", "cache", "crypto", "metrics", "net", "sched", "storage"]
    );
}

#[test]
fn with_capability_returns_exactly_the_providers() {
    let registry = Registry::global();
    assert_eq!(names(registry.with_capability("cache")), ["cache"]);
    assert_eq!(names(registry.with_capability("persistence")), ["storage"]);
    assert_eq!(registry.with_capability("teleportation").count(), 0);
}

#[test]
fn the_global_init_order_puts_dependencies_first() {
    let registry = Registry::global();
    registry.validate().unwrap();
    let order = registry.init_order().unwrap();
    let pos = |n: &str| order.iter().position(|d| d.name() == n).unwrap();
    assert!(pos("storage") < pos("cache"));
    assert!(
        pos("metrics") < pos("cache"),
        "a present optional dependency boots first"
    );
    assert!(pos("cache") < pos("a-edge"));
}

#[test]
fn errors_are_send_sync_std_errors_and_shared_types_are_send_sync() {
    fn assert_error<E: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<ModuleError>();
    assert_error::<BootError>();
    assert_error::<ShutdownError>();
    assert_error::<ValidationError>();
    assert_error::<ValidationErrors>();
    assert_error::<RegistryError>();
    fn assert_traits<T: Send + Sync>() {}
    assert_traits::<Registry>();
    assert_traits::<Runtime>();
    assert_traits::<Handle<Cache>>();
    assert_traits::<ModuleRegistry>();
}

#[test]
fn module_error_converts_from_boxed_errors_so_question_mark_works_in_create() {
    // With and without `Send + Sync`.
    let boxed: Box<dyn std::error::Error + Send + Sync> = "sendable".into();
    let e: ModuleError = boxed.into();
    assert_eq!(e.to_string(), "sendable");
    let boxed: Box<dyn std::error::Error> = "local".into();
    let e = ModuleError::from(boxed);
    assert_eq!(e.to_string(), "local");
    assert_eq!(ModuleError::new(String::from("owned")).to_string(), "owned");
}

#[test]
fn descriptor_kind_and_version_compare_without_a_deref_or_a_parse() {
    let d = Registry::global()
        .find("storage")
        .expect("storage is linked");
    assert_eq!(d.kind(), ModuleType::Storage);
    assert_ne!(d.kind(), ModuleType::Service);
    assert_eq!(d.version(), "1.2.0");
    assert_ne!(d.version(), "1.2.1");
    assert_ne!(d.version(), "not a version");
    assert!("1.2.0" == *d.version());
}

#[test]
fn capability_lists_are_slices_of_str_and_duplicates_count_once() -> Result<(), RegistryError> {
    // Not only `vec![..]` of `String`s, as the FAQ writes them.
    let required: &[&str] = &["storage"];
    let query = CapabilityQuery::new()
        .with_required_capabilities(required)
        .with_optional_capabilities(["persistence", "persistence"]);
    assert_eq!(query.optional_capabilities(), ["persistence"]);
    let registry = ModuleRegistry::new();
    let found = registry.discover_capabilities(query)?;
    assert_eq!(found.first().map(|m| m.name()), Some("storage"));
    Ok(())
}

#[test]
fn question_mark_works_on_create_and_on_process_in_one_function() -> Result<(), RegistryError> {
    // The FAQ's "How do I use a module?".
    fn run(registry: &ModuleRegistry, data: &[u8]) -> Result<Vec<u8>, RegistryError> {
        let instance = registry.create("a-edge")?;
        let result = instance.process(data)?;
        Ok(result)
    }
    assert_eq!(run(&ModuleRegistry::new(), b"abc")?, b"cba");
    let error: RegistryError = ModuleError::new("bad input").into();
    assert!(matches!(error, RegistryError::Process(_)));
    assert_eq!(error.to_string(), "bad input");
    Ok(())
}
