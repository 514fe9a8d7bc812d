//! Runs every snippet of the Module Registry FAQ that carries behaviour, and prints what it did.
//!
//! `cargo run -p faq`. Each `faq_*` function is one FAQ answer, kept as close to the letter as
//! Rust allows; the `#[test]`s at the bottom assert what each one does.
//!
//! # Cosmetic changes
//!
//! - The FAQ's hand-written `impl Module for CustomModule` is `impl DynModule`: `Module` is the
//!   derive trait of statically linked modules; [`DynModule`] is its object-safe twin.
//!   `ModuleType::Custom("custom".to_string())` is `ModuleType::Custom("custom".into())`, and
//!   `capabilities` returns `&[&str]` (the FAQ's `&[String]` cannot return `&["..."]`).
//! - `register` gets a factory (`with_factory`) so that `create` has something to build.
//! - The "create an instance" answer builds an `InstantiationConfig` and then ignores it; here
//!   it is passed: `create_with("data-processor", &config)`.
//!
//! # What the FAQ's configuration objects became
//!
//! | FAQ | real mechanism, shown here |
//! |---|---|
//! | logging, monitoring | `tracing` spans per module; per-module metrics: [`ModuleInstance::metrics`] (dynamic), [`Runtime::metrics`] (static) |
//! | security, access control, audit logging | compile-time access control (`ctx.dep::<T>()` compiles only for declared dependencies; a factory's `Dependencies` yields only declared ones) and the runtime's audit trail ([`Runtime::audit_trail`]) |
//! | graceful degradation, error recovery | [`BootPolicy::Degrade`]: the failed module and its dependents are skipped and reported |
//! | validation, initialization | the graph checks refuse bad registrations; `InstantiationConfig` switches run real code |
//!
//! `Configuration`, `PerformanceConfiguration`, `MonitoringConfiguration`,
//! `SecurityConfiguration`, `AccessControlConfiguration`, the integration and debug
//! configurations and `ErrorHandler` are not built: they only toggle flags with nothing behind
//! them. Caching, parallelism and "secure storage" have no code to switch.

use std::error::Error;
use std::sync::Arc;

use module_registry::{
    BootPolicy, CapabilityQuery, Context, CustomDiscoveryStrategy, CustomInstantiationStrategy,
    DiscoveryQuery, DynModule, InstantiationConfig, Lifecycle, Module, ModuleConfig, ModuleError,
    ModuleInfo, ModuleInstance, ModuleRegistry, ModuleType, Processor, Registry, RegistryError,
    Runtime,
};

type Outcome = Result<String, Box<dyn Error>>;

/// A statically linked module that processes data: `create` boots it through the runtime.
#[derive(Module, Default)]
#[module(name = "shout", version = "1.0.0", kind = DataProcessor, capabilities = ["processing"],
         provides = [dyn Processor])]
pub struct Shout;

impl Processor for Shout {
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        Ok(data.to_ascii_uppercase())
    }
}

/// A linked module whose `initialize` fails: shows the degrade boot policy.
#[derive(Module, Default)]
#[module(name = "flaky-sensor", version = "0.1.0", kind = Monitoring, lifecycle)]
pub struct FlakySensor;

impl Lifecycle for FlakySensor {
    fn initialize(&mut self) -> Result<(), ModuleError> {
        Err(ModuleError::new("sensor not found"))
    }
}

/// Depends on the flaky sensor: skipped with it under the degrade policy.
#[derive(Module)]
#[module(name = "sensor-dashboard", version = "0.1.0", depends_on = [FlakySensor],
         create = SensorDashboard::new)]
pub struct SensorDashboard {
    _sensor: Arc<FlakySensor>,
}

impl SensorDashboard {
    fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
        // `ctx.dep::<Shout>()` would not compile: the dashboard did not declare it.
        Ok(SensorDashboard {
            _sensor: ctx.dep::<FlakySensor>(),
        })
    }
}

/// The FAQ's data processor: reverses its input.
struct DataProcessor;

impl DynModule for DataProcessor {
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
        Ok(data.iter().rev().copied().collect())
    }
}

/// How do I register a module?
fn faq_register(registry: &ModuleRegistry) -> Outcome {
    let config = ModuleConfig::new()
        .with_name("data-processor")
        .with_version("1.0.0")
        .with_type(ModuleType::DataProcessor)
        .add_capability("processing")
        .with_factory(|_| Ok(Box::new(DataProcessor)));

    let info = registry.register(config)?;
    Ok(format!(
        "registered {} {} ({} modules in the registry)",
        info.name(),
        info.version(),
        registry.len()
    ))
}

/// How do I discover modules?
fn faq_discover(registry: &ModuleRegistry) -> Outcome {
    let query = DiscoveryQuery::new()
        .with_name_pattern("processor")
        .with_type_filter(ModuleType::DataProcessor);

    let modules = registry.discover(query)?;
    Ok(format!("found {:?}", names(&modules)))
}

/// How do I create a module instance?
fn faq_create(registry: &ModuleRegistry) -> Outcome {
    let config = InstantiationConfig::new()
        .with_initialization(true)
        .with_validation(true)
        .with_monitoring(true);

    let instance = registry.create_with("data-processor", &config)?;
    Ok(format!(
        "created {} from {:?}",
        instance.name(),
        instance.modules().collect::<Vec<_>>()
    ))
}

/// How do I use a module?
fn faq_use(registry: &ModuleRegistry) -> Outcome {
    let instance = registry.create("data-processor")?;

    let data = b"input data";
    let result = instance.process(data)?;
    let shout = registry.create("shout")?.process(data)?;
    Ok(format!(
        "data-processor: {:?}; linked shout: {:?}; metrics: {}",
        String::from_utf8_lossy(&result),
        String::from_utf8_lossy(&shout),
        metrics(&instance)
    ))
}

/// How do I handle module dependencies?
fn faq_dependencies(registry: &ModuleRegistry) -> Outcome {
    // Register base module first
    let base_config = ModuleConfig::new()
        .with_name("base-module")
        .with_version("1.0.0")
        .with_type(ModuleType::DataProcessor);

    registry.register(base_config)?;

    // Register dependent module
    let dependent_config = ModuleConfig::new()
        .with_name("dependent-module")
        .with_version("1.0.0")
        .with_type(ModuleType::DataProcessor)
        .add_dependency("base-module");

    registry.register(dependent_config)?;

    // What the checks refuse, with the build check's codes; the registry stays as it was.
    let before = registry.len();
    let mut refusals = Vec::new();
    for config in [
        ModuleConfig::new()
            .with_name("orphan")
            .with_version("1.0.0")
            .add_dependency("nowhere"),
        ModuleConfig::new()
            .with_name("base-module")
            .with_version("2.0.0"),
        ModuleConfig::new()
            .with_name("bad-version")
            .with_version("1.0"),
    ] {
        if let Err(RegistryError::Refused { errors, .. }) = registry.register(config) {
            refusals.extend(errors.iter().map(|e| format!("[{}] {e}", e.code())));
        }
    }
    assert_eq!(registry.len(), before);
    Ok(format!(
        "registered base-module, dependent-module; refused: {}",
        refusals.join(" | ")
    ))
}

/// How do I discover modules by capabilities?
fn faq_capabilities(registry: &ModuleRegistry) -> Outcome {
    for (name, caps) in [
        ("vault", &["encryption", "compression", "logging"][..]),
        (
            "archiver",
            &["encryption", "compression", "monitoring", "logging"],
        ),
        ("zipper", &["compression"]),
    ] {
        let mut config = ModuleConfig::new().with_name(name).with_version("1.0.0");
        for cap in caps {
            config = config.add_capability(*cap);
        }
        registry.register(config)?;
    }

    let query = CapabilityQuery::new()
        .with_required_capabilities(vec!["encryption", "compression"])
        .with_optional_capabilities(vec!["monitoring", "logging"]);

    let modules = registry.discover_capabilities(query)?;
    Ok(format!("ranked {:?}", names(&modules)))
}

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
        ModuleType::Custom("custom".into())
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

/// How do I implement custom module types?
fn faq_custom_module(registry: &ModuleRegistry) -> Outcome {
    registry.register(
        ModuleConfig::new()
            .with_name("custom")
            .with_version("0.1.0")
            .with_type(ModuleType::custom("custom"))
            .add_capability("custom-processing")
            .with_factory(|_| {
                Ok(Box::new(CustomModule {
                    name: "custom".into(),
                    version: "0.1.0".into(),
                }))
            }),
    )?;
    let instance = registry.create("custom")?;
    let out = instance.process(b"as is")?;
    Ok(format!(
        "custom module of type {} processed {:?}",
        instance.module().module_type(),
        String::from_utf8_lossy(&out)
    ))
}

struct MyCustomDiscoveryStrategy;

impl CustomDiscoveryStrategy for MyCustomDiscoveryStrategy {
    fn discover(&self, query: &DiscoveryQuery) -> Result<Vec<ModuleInfo>, RegistryError> {
        // Modules known elsewhere (a plugin directory, say) that match the query.
        let known = ModuleInfo::from_config(
            ModuleConfig::new()
                .with_name("plugin-processor")
                .with_version("0.3.0")
                .with_type(ModuleType::DataProcessor),
        )?;
        Ok(if query.matches(&known) {
            vec![known]
        } else {
            vec![]
        })
    }
}

/// How do I implement custom discovery strategies?
fn faq_custom_discovery() -> Outcome {
    let registry =
        ModuleRegistry::new().add_custom_discovery_strategy(Box::new(MyCustomDiscoveryStrategy));

    let modules = registry.discover(DiscoveryQuery::new().with_name_pattern("processor"))?;
    let described: Vec<String> = modules
        .iter()
        .map(|m| {
            format!(
                "{}{}",
                m.name(),
                if m.is_registered() {
                    ""
                } else {
                    " (from the strategy)"
                }
            )
        })
        .collect();
    Ok(format!("found {described:?}"))
}

struct MyCustomInstantiationStrategy;

impl CustomInstantiationStrategy for MyCustomInstantiationStrategy {
    fn instantiate(&self, module_info: &ModuleInfo) -> Result<Box<dyn DynModule>, RegistryError> {
        // Implement custom instantiation logic
        Ok(Box::new(CustomModule {
            name: module_info.name().to_owned(),
            version: module_info.version().to_string(),
        }))
    }
}

/// How do I implement custom instantiation strategies?
fn faq_custom_instantiation() -> Outcome {
    let registry = ModuleRegistry::new()
        .add_custom_instantiation_strategy(Box::new(MyCustomInstantiationStrategy));

    // Registered without a factory: the strategy builds it.
    registry.register(
        ModuleConfig::new()
            .with_name("scripted")
            .with_version("2.0.0")
            .with_type(ModuleType::custom("custom")),
    )?;
    let instance = registry.create("scripted")?;
    Ok(format!(
        "strategy built {} {}",
        instance.module().name(),
        instance.module().version()
    ))
}

/// How do I handle module instantiation errors? / security: the degrade boot policy, the
/// audit trail and the runtime's metrics.
fn faq_degrade_and_audit() -> Outcome {
    let runtime: Runtime = Registry::global().boot_with(BootPolicy::Degrade)?;
    let skipped: Vec<String> = runtime.skipped().iter().map(ToString::to_string).collect();
    let audit = runtime
        .audit_trail()
        .iter()
        .filter(|r| r.module == "flaky-sensor")
        .map(|r| format!("{:?}", r.event))
        .collect::<Vec<_>>();
    let running: Vec<&str> = runtime.modules().map(|d| d.name()).collect();
    runtime.shutdown()?;
    Ok(format!(
        "running {running:?}; skipped {skipped:?}; audit of flaky-sensor {audit:?}"
    ))
}

fn names(modules: &[ModuleInfo]) -> Vec<&str> {
    modules.iter().map(ModuleInfo::name).collect()
}

fn metrics(instance: &ModuleInstance) -> String {
    instance
        .metrics()
        .iter()
        .map(|m| format!("{} calls={} errors={}", m.name, m.calls, m.errors))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every answer, in FAQ order, sharing one registry where the FAQ's answers build on each other.
fn run() -> Vec<(&'static str, Outcome)> {
    let registry = ModuleRegistry::new();
    vec![
        ("How do I register a module?", faq_register(&registry)),
        ("How do I discover modules?", faq_discover(&registry)),
        ("How do I create a module instance?", faq_create(&registry)),
        ("How do I use a module?", faq_use(&registry)),
        (
            "How do I handle module dependencies?",
            faq_dependencies(&registry),
        ),
        (
            "How do I discover modules by capabilities?",
            faq_capabilities(&registry),
        ),
        (
            "How do I implement custom module types?",
            faq_custom_module(&registry),
        ),
        (
            "How do I implement custom discovery strategies?",
            faq_custom_discovery(),
        ),
        (
            "How do I implement custom instantiation strategies?",
            faq_custom_instantiation(),
        ),
        (
            "How do I handle module instantiation errors?",
            faq_degrade_and_audit(),
        ),
    ]
}

fn main() {
    let mut failed = false;
    for (question, outcome) in run() {
        match outcome {
            Ok(what) => println!("{question}\n  {what}"),
            Err(e) => {
                failed = true;
                println!("{question}\n  FAILED: {e}");
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_does_what_it_says() {
        let outcomes: Vec<(&str, String)> = run()
            .into_iter()
            .map(|(q, o)| (q, o.unwrap_or_else(|e| panic!("{q}: {e}"))))
            .collect();
        let expected = [
            "registered data-processor 1.0.0 (",
            "found [\"data-processor\"]",
            "created data-processor from [\"data-processor\"]",
            "data-processor: \"atad tupni\"; linked shout: \"INPUT DATA\"; metrics: data-processor calls=1 errors=0",
            "registered base-module, dependent-module; refused: [MR0002] module \"orphan\" depends on \"nowhere\", which is not in the registry | [MR0004] duplicate module name \"base-module\": defined at <registered at run time> and at <registered at run time> | [MR0007] invalid version \"1.0\" for module \"bad-version\": ",
            "ranked [\"archiver\", \"vault\"]",
            "custom module of type custom processed \"as is\"",
            "found [\"plugin-processor (from the strategy)\"]",
            "strategy built scripted 2.0.0",
            "running [\"shout\"]; skipped [\"module \\\"flaky-sensor\\\" failed in initialize: sensor not found\", \"module \\\"sensor-dashboard\\\" skipped: its dependency \\\"flaky-sensor\\\" did not boot\"]; audit of flaky-sensor [\"Created\", \"Failed { stage: Initialize, message: \\\"sensor not found\\\" }\", \"Dropped\"]",
        ];
        assert_eq!(outcomes.len(), expected.len());
        for ((question, got), want) in outcomes.iter().zip(expected) {
            assert!(
                got.starts_with(want),
                "{question}\n got: {got}\nwant: {want}"
            );
        }
    }

    #[test]
    fn the_registry_starts_with_the_linked_modules() {
        let registry = ModuleRegistry::new();
        for name in ["shout", "flaky-sensor", "sensor-dashboard"] {
            assert!(
                registry.get(name).and_then(|m| m.descriptor()).is_some(),
                "{name}"
            );
        }
    }
}
