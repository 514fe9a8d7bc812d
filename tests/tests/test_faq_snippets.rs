//! The FAQ's snippets for the dynamic registry, as written, plus the factory `create` needs and
//! the cosmetic changes the crate docs list for the "Advanced Questions".

pub mod fixtures {
    pub mod upper;
}

use std::error::Error;

use module_registry::{
    CapabilityQuery, CustomDiscoveryStrategy, CustomInstantiationStrategy, DiscoveryQuery,
    DynModule, InstantiationConfig, ModuleConfig, ModuleError, ModuleInfo, ModuleRegistry,
    ModuleType, RegistryError,
};
use module_registry_tests::inspect::{codes, names, refusal};
use module_registry_tests::probe::cfg;

type TestResult = Result<(), Box<dyn Error>>;

/// What the FAQ's "data-processor" does once it has a factory.
struct Reverser;

impl DynModule for Reverser {
    fn name(&self) -> &str {
        "data-processor"
    }
    fn version(&self) -> &str {
        "1.0.0"
    }
    fn module_type(&self) -> ModuleType {
        ModuleType::DataProcessor
    }
    fn capabilities(&self) -> &[&str] {
        &["processing"]
    }
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        if data.is_empty() {
            return Err(ModuleError::new("nothing to process"));
        }
        Ok(data.iter().rev().copied().collect())
    }
}

/// "How do I register a module?", with a factory for the instance.
fn registry_with_a_data_processor() -> Result<ModuleRegistry, RegistryError> {
    let registry = ModuleRegistry::new();
    let linked = registry.len();
    let config = ModuleConfig::new()
        .with_name("data-processor")
        .with_version("1.0.0")
        .with_type(ModuleType::DataProcessor)
        .add_capability("processing")
        .with_factory(|_| Ok(Box::new(Reverser)));
    registry.register(config)?;
    assert_eq!(registry.len(), linked + 1);
    Ok(registry)
}

/// "How do I use a module?", in a function whose error type is the registry's.
fn use_a_module(registry: &ModuleRegistry, data: &[u8]) -> Result<Vec<u8>, RegistryError> {
    let instance = registry.create("data-processor")?;
    let result = instance.process(data)?;
    Ok(result)
}

#[test]
fn a_registered_module_is_discovered_by_name_pattern_and_kind() -> TestResult {
    let registry = registry_with_a_data_processor()?;
    let query = DiscoveryQuery::new()
        .with_name_pattern("processor")
        .with_type_filter(ModuleType::DataProcessor);
    let modules = registry.discover(query)?;
    assert_eq!(names(&modules), ["data-processor"]);
    // The linked processor is found by kind, in name order with the registered one.
    let kind =
        registry.discover(DiscoveryQuery::new().with_type_filter(ModuleType::DataProcessor))?;
    let kind = names(&kind);
    assert!(kind.windows(2).all(|w| w[0] < w[1]), "{kind:?}");
    assert!(kind.contains(&"ascii-upper") && kind.contains(&"data-processor"));
    Ok(())
}

#[test]
fn a_registered_module_is_created_and_used() -> TestResult {
    let registry = registry_with_a_data_processor()?;
    // How do I create a module instance?
    let config = InstantiationConfig::new()
        .with_initialization(true)
        .with_validation(true)
        .with_monitoring(true);
    let instance = registry.create("data-processor")?;
    let configured = registry.create_with("data-processor", &config)?;

    // How do I use a module?
    let data = b"input data";
    let result = instance.process(data)?;
    assert_eq!(result, b"atad tupni");
    assert_eq!(configured.process(data)?, result);
    assert_eq!(instance.metrics()[0].calls, 1);
    assert_eq!(use_a_module(&registry, b"ab")?, b"ba");
    // `?` on `process` gives `RegistryError::Process`, carrying the module's message.
    match use_a_module(&registry, b"") {
        Err(RegistryError::Process(e)) => assert_eq!(e.to_string(), "nothing to process"),
        other => panic!("expected RegistryError::Process, got {other:?}"),
    }
    Ok(())
}

#[test]
fn a_dependency_registers_before_its_dependent() -> TestResult {
    // How do I handle module dependencies?
    let registry = ModuleRegistry::new();
    let base_config = ModuleConfig::new()
        .with_name("base-module")
        .with_version("1.0.0")
        .with_type(ModuleType::DataProcessor);
    registry.register(base_config)?;
    let dependent_config = ModuleConfig::new()
        .with_name("dependent-module")
        .with_version("1.0.0")
        .with_type(ModuleType::DataProcessor)
        .add_dependency("base-module");
    registry.register(dependent_config)?;
    let dependent = registry.get("dependent-module").unwrap();
    assert_eq!(dependent.dependencies()[0].name(), "base-module");
    assert!(!dependent.dependencies()[0].is_optional());
    // In the other order the dependent is refused, as the crate docs say.
    let other_order = ModuleRegistry::new();
    let refused = refusal(
        &other_order,
        ModuleConfig::new()
            .with_name("dependent-module")
            .with_version("1.0.0")
            .add_dependency("base-module"),
    );
    assert_eq!(codes(&refused), ["MR0002"]);
    Ok(())
}

#[test]
fn capability_discovery_ranks_by_optional_matches_then_name() -> TestResult {
    // How do I discover modules by capabilities?
    let registry = ModuleRegistry::new();
    for (name, caps) in [
        ("vault-a", &["encryption", "compression"][..]),
        (
            "vault-b",
            &["logging", "compression", "encryption", "monitoring"],
        ),
        ("vault-c", &["encryption", "logging", "compression"]),
        ("vault-d", &["encryption", "monitoring", "logging"]),
        ("vault-e", &["compression", "encryption", "logging"]),
    ] {
        let mut config = cfg(name, "1.0.0");
        for cap in caps {
            config = config.add_capability(*cap);
        }
        registry.register(config)?;
    }
    let query = CapabilityQuery::new()
        .with_required_capabilities(vec!["encryption", "compression"])
        .with_optional_capabilities(vec!["monitoring", "logging"]);
    let modules = registry.discover_capabilities(query)?;
    assert_eq!(
        names(&modules),
        ["vault-b", "vault-c", "vault-e", "vault-a"]
    );
    Ok(())
}

// The FAQ's "Advanced Questions", with the cosmetic changes the crate docs list
// (`impl DynModule`, `ModuleType::Custom(... .into())`, `&[&str]` capabilities, `dyn DynModule`).

pub struct CustomModule {
    name: String,
    version: String,
}

impl DynModule for CustomModule {
    fn name(&self) -> &str {
        &self.name
    }

    fn version(&self) -> &str {
        &self.version
    }

    fn module_type(&self) -> ModuleType {
        ModuleType::Custom("custom".to_string().into())
    }

    fn capabilities(&self) -> &[&str] {
        &["custom-processing"]
    }

    fn initialize(&mut self) -> Result<(), ModuleError> {
        // Initialize custom module
        Ok(())
    }

    fn cleanup(&mut self) -> Result<(), ModuleError> {
        // Cleanup custom module
        Ok(())
    }

    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        // Process data with custom logic
        Ok(data.to_vec())
    }
}

/// The FAQ's instantiation snippet builds `MyCustomModule::new()`.
type MyCustomModule = CustomModule;

impl CustomModule {
    fn new() -> Self {
        CustomModule {
            name: "my-custom".to_owned(),
            version: "0.2.0".to_owned(),
        }
    }
}

struct MyCustomDiscoveryStrategy;

impl CustomDiscoveryStrategy for MyCustomDiscoveryStrategy {
    fn discover(&self, query: &DiscoveryQuery) -> Result<Vec<ModuleInfo>, RegistryError> {
        // Implement custom discovery logic
        let found = ModuleInfo::from_config(
            ModuleConfig::new()
                .with_name("found-elsewhere")
                .with_version("0.0.1")
                .with_type(ModuleType::custom("custom")),
        )?;
        Ok(if query.matches(&found) {
            vec![found]
        } else {
            vec![]
        })
    }
}

struct MyCustomInstantiationStrategy;

impl CustomInstantiationStrategy for MyCustomInstantiationStrategy {
    fn instantiate(&self, _module_info: &ModuleInfo) -> Result<Box<dyn DynModule>, RegistryError> {
        // Implement custom instantiation logic
        Ok(Box::new(MyCustomModule::new()))
    }
}

/// A registry with both strategies and a registered `my-custom` without a factory.
fn registry_with_custom_strategies() -> Result<ModuleRegistry, RegistryError> {
    let registry = ModuleRegistry::new()
        .add_custom_discovery_strategy(Box::new(MyCustomDiscoveryStrategy))
        .add_custom_instantiation_strategy(Box::new(MyCustomInstantiationStrategy));
    registry.register(
        ModuleConfig::new()
            .with_name("my-custom")
            .with_version("0.2.0")
            .with_type(ModuleType::Custom("custom".into()))
            .add_capability("custom-processing"),
    )?;
    Ok(registry)
}

#[test]
fn a_custom_discovery_strategy_describes_modules_it_does_not_register() -> TestResult {
    let registry = registry_with_custom_strategies()?;
    let custom =
        registry.discover(DiscoveryQuery::new().with_type_filter(ModuleType::custom("custom")))?;
    assert_eq!(names(&custom), ["found-elsewhere", "my-custom"]);
    assert!(!custom[0].is_registered() && custom[1].is_registered());
    // What a strategy describes is not registered: `get` and `create` do not see it.
    assert!(registry.get("found-elsewhere").is_none());
    assert!(matches!(
        registry.create("found-elsewhere"),
        Err(RegistryError::NotFound { .. })
    ));
    Ok(())
}

#[test]
fn a_custom_instantiation_strategy_builds_a_module_without_a_factory() -> TestResult {
    let registry = registry_with_custom_strategies()?;
    let instance = registry.create("my-custom")?;
    assert_eq!(instance.process(b"as is")?, b"as is");
    assert_eq!(
        instance.module().module_type(),
        ModuleType::Custom("custom".to_string().into())
    );
    assert_eq!(instance.module().capabilities(), ["custom-processing"]);
    instance.shutdown()?;
    Ok(())
}
