//! The dynamic registry through the FAQ's API: registration, discovery, instances, strategies.

use std::error::Error;
use std::sync::{Arc, Mutex};

use module_registry::dynamic::DependencyConfig;
use module_registry::runtime::Stage;
use module_registry::{
    CapabilityQuery, CustomDiscoveryStrategy, CustomInstantiationStrategy, DiscoveryQuery,
    DynModule, InstantiationConfig, Module, ModuleConfig, ModuleError, ModuleInfo, ModuleRegistry,
    ModuleType, Processor, RegistryError,
};

/// A linked module that offers `dyn Processor`.
#[derive(Module, Default)]
#[module(name = "static-upper", version = "2.1.0", kind = DataProcessor,
         capabilities = ["processing", "uppercase"], provides = [dyn Processor])]
struct StaticUpper;

impl Processor for StaticUpper {
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        Ok(data.to_ascii_uppercase())
    }
}

/// A linked module that does not.
#[derive(Module, Default)]
#[module(name = "static-store", version = "1.2.0", kind = Storage, capabilities = ["storage"])]
struct StaticStore;

type TestResult<T = ()> = Result<T, Box<dyn Error>>;

/// A hand-written module that records its hooks in a shared log.
struct Probe {
    name: String,
    version: String,
    kind: ModuleType,
    log: Arc<Mutex<Vec<String>>>,
    fail_init: bool,
    fail_cleanup: bool,
    deps: Vec<Arc<dyn DynModule>>,
}

impl DynModule for Probe {
    fn name(&self) -> &str {
        &self.name
    }
    fn version(&self) -> &str {
        &self.version
    }
    fn module_type(&self) -> ModuleType {
        self.kind.clone()
    }
    fn initialize(&mut self) -> Result<(), ModuleError> {
        self.log.lock().unwrap().push(format!("init {}", self.name));
        if self.fail_init {
            return Err(ModuleError::new("disk on fire"));
        }
        Ok(())
    }
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        self.log
            .lock()
            .unwrap()
            .push(format!("cleanup {}", self.name));
        if self.fail_cleanup {
            return Err(ModuleError::new("stuck"));
        }
        Ok(())
    }
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        let mut out = data.to_vec();
        for dep in &self.deps {
            out = dep.process(&out)?;
        }
        out.extend_from_slice(format!("|{}", self.name).as_bytes());
        Ok(out)
    }
}

type Log = Arc<Mutex<Vec<String>>>;

/// A config whose factory builds a `Probe` holding every dependency it can reach.
fn probe(name: &str, log: &Log, deps: &[&str]) -> ModuleConfig {
    probe_with(name, log, deps, false, false)
}

fn probe_with(
    name: &str,
    log: &Log,
    deps: &[&str],
    fail_init: bool,
    fail_cleanup: bool,
) -> ModuleConfig {
    let log = log.clone();
    let declared: Vec<String> = deps.iter().map(|d| (*d).to_owned()).collect();
    let mut config = ModuleConfig::new()
        .with_name(name)
        .with_version("1.0.0")
        .with_factory(move |ctx| {
            log.lock()
                .unwrap()
                .push(format!("create {}", ctx.module_name()));
            Ok(Box::new(Probe {
                name: ctx.module_name().to_owned(),
                version: "1.0.0".to_owned(),
                kind: ModuleType::Service,
                log: log.clone(),
                fail_init,
                fail_cleanup,
                deps: declared.iter().filter_map(|d| ctx.get(d)).collect(),
            }))
        });
    for dep in deps {
        config = config.add_dependency(*dep);
    }
    config
}

fn names(modules: &[ModuleInfo]) -> Vec<&str> {
    modules.iter().map(ModuleInfo::name).collect()
}

struct Reverse;

impl DynModule for Reverse {
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

#[test]
fn starts_with_every_linked_module() {
    let registry = ModuleRegistry::new();
    let upper = registry.get("static-upper").unwrap();
    assert_eq!(upper.version().to_string(), "2.1.0");
    assert_eq!(upper.module_type(), &ModuleType::DataProcessor);
    assert!(std::ptr::eq(
        upper.descriptor().unwrap(),
        StaticUpper::DESCRIPTOR
    ));
    assert!(registry.contains("static-store"));
    assert_eq!(registry.len(), module_registry::Registry::global().len());
    registry.validate().unwrap();
}

#[test]
fn faq_register_discover_create_use() -> TestResult {
    // How do I register a module? (plus the factory `create` needs)
    let registry = ModuleRegistry::new();
    let config = ModuleConfig::new()
        .with_name("data-processor")
        .with_version("1.0.0")
        .with_type(ModuleType::DataProcessor)
        .add_capability("processing")
        .with_factory(|_| Ok(Box::new(Reverse)));
    registry.register(config)?;

    // How do I discover modules?
    let query = DiscoveryQuery::new()
        .with_name_pattern("processor")
        .with_type_filter(ModuleType::DataProcessor);
    let modules = registry.discover(query)?;
    assert_eq!(names(&modules), ["data-processor"]);

    // How do I create a module instance?
    let config = InstantiationConfig::new()
        .with_initialization(true)
        .with_validation(true)
        .with_monitoring(true);
    let instance = registry.create_with("data-processor", &config)?;
    assert_eq!(instance.name(), "data-processor");

    // How do I use a module?
    let instance = registry.create("data-processor")?;
    let data = b"input data";
    let result = instance.process(data)?;
    assert_eq!(result, b"atad tupni");
    Ok(())
}

#[test]
fn faq_dependencies() -> TestResult {
    let registry = ModuleRegistry::new();
    let dependent_config = ModuleConfig::new()
        .with_name("dependent-module")
        .with_version("1.0.0")
        .with_type(ModuleType::DataProcessor)
        .add_dependency("base-module");
    // Dependencies register first: before its base, the dependent is refused.
    let early = registry.register(dependent_config.clone()).unwrap_err();
    assert_eq!(
        early.validation_errors().unwrap().errors()[0].to_string(),
        "module \"dependent-module\" depends on \"base-module\", which is not in the registry"
    );

    let base_config = ModuleConfig::new()
        .with_name("base-module")
        .with_version("1.0.0")
        .with_type(ModuleType::DataProcessor);
    registry.register(base_config)?;
    let info = registry.register(dependent_config)?;
    assert_eq!(info.dependencies()[0].name(), "base-module");
    registry.validate()?;
    Ok(())
}

#[test]
fn faq_capabilities_ranked_by_optional_matches_then_name() -> TestResult {
    let registry = ModuleRegistry::empty();
    for (name, caps) in [
        ("alpha", &["encryption", "compression"][..]),
        ("bravo", &["logging", "compression", "encryption"]),
        (
            "charlie",
            &["encryption", "compression", "monitoring", "logging"],
        ),
        ("delta", &["encryption", "monitoring", "logging"]),
        ("echo", &["encryption", "monitoring", "compression"]),
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
    let modules = registry.discover_capabilities(&query)?;
    assert_eq!(names(&modules), ["charlie", "bravo", "echo", "alpha"]);
    assert_eq!(query.score(&modules[0]), Some(2));
    assert_eq!(query.score(&registry.get("delta").unwrap()), None);
    let none = CapabilityQuery::new().with_required_capabilities(vec!["teleportation"]);
    assert!(registry.discover_capabilities(none)?.is_empty());
    Ok(())
}

#[test]
fn large_answers_keep_the_same_order() -> TestResult {
    // Past 64 results the registry follows a cached name order; the answer must not change.
    let registry = ModuleRegistry::empty();
    let mut expected = Vec::new();
    for i in 0..300u32 {
        let name = format!("m-{:03}", (i * 7919) % 1000);
        let mut config = ModuleConfig::new()
            .with_name(name.as_str())
            .with_version("1.0.0")
            .with_type(if i % 3 == 0 {
                ModuleType::Storage
            } else {
                ModuleType::DataProcessor
            })
            .add_capability("base");
        let mut score = 0;
        for (bit, cap) in ["a", "b", "c"].iter().enumerate() {
            if i & (1 << bit) != 0 {
                config = config.add_capability(*cap);
                score += 1;
            }
        }
        registry.register(config)?;
        expected.push((std::cmp::Reverse(score), name));
    }
    expected.sort();
    let query = CapabilityQuery::new()
        .with_required_capabilities(["base"])
        .with_optional_capabilities(["a", "b", "c"]);
    let got = registry.discover_capabilities(&query)?;
    let want: Vec<&str> = expected.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names(&got), want);

    let storage = registry.discover(DiscoveryQuery::new().with_type_filter(ModuleType::Storage))?;
    let mut want: Vec<String> = (0..300u32)
        .filter(|i| i % 3 == 0)
        .map(|i| format!("m-{:03}", (i * 7919) % 1000))
        .collect();
    want.sort();
    assert_eq!(names(&storage), want);
    // A registration invalidates the cached order.
    registry.register(
        ModuleConfig::new()
            .with_name("a-first")
            .with_version("1.0.0")
            .with_type(ModuleType::Storage),
    )?;
    let storage = registry.discover(DiscoveryQuery::new().with_type_filter(ModuleType::Storage))?;
    assert_eq!(storage[0].name(), "a-first");
    assert_eq!(storage.len(), want.len() + 1);
    Ok(())
}

/// Every capability query answers what `CapabilityQuery::score` says of each module, ranked
/// by score then name: over modules with pseudo-random capabilities, queries with zero to three
/// required and optional capabilities (some unknown, some in both lists), answers small and
/// large, linked modules included.
#[test]
fn capability_answers_agree_with_score_on_every_module() -> TestResult {
    let registry = ModuleRegistry::new();
    let caps = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    for i in 0..400 {
        let mut config = ModuleConfig::new()
            .with_name(format!("m-{:03}", (i * 389) % 1000))
            .with_version("1.0.0");
        for cap in caps {
            if next(3) == 0 {
                config = config.add_capability(cap);
            }
        }
        registry.register(config)?;
    }
    let pick = |next: &mut dyn FnMut(u64) -> u64| -> Vec<&str> {
        let mut list = Vec::new();
        for _ in 0..next(4) {
            list.push(if next(10) == 0 {
                "unknown"
            } else {
                caps[next(caps.len() as u64) as usize]
            });
        }
        list
    };
    let all = registry.modules();
    for _ in 0..300 {
        let query = CapabilityQuery::new()
            .with_required_capabilities(pick(&mut next))
            .with_optional_capabilities(pick(&mut next));
        let mut want: Vec<(std::cmp::Reverse<usize>, &str)> = all
            .iter()
            .filter_map(|m| Some((std::cmp::Reverse(query.score(m)?), m.name())))
            .collect();
        want.sort();
        let got = registry.discover_capabilities(&query)?;
        let got: Vec<(std::cmp::Reverse<usize>, &str)> = got
            .iter()
            .map(|m| (std::cmp::Reverse(query.score(m).unwrap()), m.name()))
            .collect();
        assert_eq!(got, want, "{query:?}");
    }
    Ok(())
}

#[test]
fn name_patterns_are_substrings_or_globs() -> TestResult {
    let registry = ModuleRegistry::empty();
    for name in [
        "data-processor",
        "image-processor",
        "data-store",
        "processor-pool",
    ] {
        registry.register(ModuleConfig::new().with_name(name).with_version("0.1.0"))?;
    }
    let find = |p: &str| -> TestResult<Vec<String>> {
        let found = registry.discover(DiscoveryQuery::new().with_name_pattern(p))?;
        Ok(found.iter().map(|m| m.name().to_owned()).collect())
    };
    assert_eq!(
        find("processor")?,
        ["data-processor", "image-processor", "processor-pool"]
    );
    assert_eq!(find("data-*")?, ["data-processor", "data-store"]);
    assert_eq!(find("*-processor")?, ["data-processor", "image-processor"]);
    assert_eq!(find("nothing")?, Vec::<String>::new());
    assert_eq!(registry.discover(DiscoveryQuery::new())?.len(), 4);
    Ok(())
}

#[test]
fn create_builds_dependencies_first_and_cleans_up_in_reverse() -> TestResult {
    let log = Log::default();
    let registry = ModuleRegistry::empty();
    registry.register(probe("log", &log, &[]))?;
    registry.register(probe("store", &log, &["log"]))?;
    registry.register(probe("metrics", &log, &[]))?;
    registry.register(
        probe("cache", &log, &["store"])
            .add_dependency(DependencyConfig::new("metrics").optional()),
    )?;
    registry.register(probe("app", &log, &["cache", "store"]))?;

    let instance = registry.create("app")?;
    let order: Vec<&str> = instance.modules().collect();
    assert_eq!(order, ["log", "metrics", "store", "cache", "app"]);
    // Each factory reached exactly its declared dependencies: "cache" asked for "store" only.
    assert_eq!(instance.process(b"x")?, b"x|log|store|cache|log|store|app");
    instance.shutdown()?;
    let log = log.lock().unwrap().clone();
    assert_eq!(
        log,
        [
            "create log",
            "init log",
            "create metrics",
            "init metrics",
            "create store",
            "init store",
            "create cache",
            "init cache",
            "create app",
            "init app",
            "cleanup app",
            "cleanup cache",
            "cleanup store",
            "cleanup metrics",
            "cleanup log",
        ]
    );
    Ok(())
}

#[test]
fn a_factory_reaches_only_declared_dependencies() -> TestResult {
    let registry = ModuleRegistry::empty();
    registry.register(
        ModuleConfig::new()
            .with_name("secret")
            .with_version("1.0.0")
            .with_factory(|_| Ok(Box::new(Reverse))),
    )?;
    let seen = Arc::new(Mutex::new(None));
    let seen2 = seen.clone();
    registry.register(
        ModuleConfig::new()
            .with_name("nosy")
            .with_version("1.0.0")
            .add_dependency(DependencyConfig::new("absent").optional())
            .with_factory(move |ctx| {
                *seen2.lock().unwrap() =
                    Some((ctx.get("secret").is_some(), ctx.get("absent").is_some()));
                Err(ModuleError::new("done looking"))
            }),
    )?;
    let err = registry.create("nosy").unwrap_err();
    assert_eq!(*seen.lock().unwrap(), Some((false, false)));
    assert!(
        matches!(
            err,
            RegistryError::Failed {
                stage: Stage::Create,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "module \"nosy\" failed in create: done looking (dependency path: nosy)"
    );
    Ok(())
}

#[test]
fn failing_initialize_cleans_up_in_reverse_order() -> TestResult {
    let log = Log::default();
    let registry = ModuleRegistry::empty();
    registry.register(probe("a", &log, &[]))?;
    registry.register(probe("b", &log, &["a"]))?;
    registry.register(probe_with("c", &log, &["b"], true, false))?;
    registry.register(probe("d", &log, &["c"]))?;
    let err = registry.create("d").unwrap_err();
    let RegistryError::Failed {
        module,
        stage,
        path,
        cleanup,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!((module.as_str(), *stage), ("c", Stage::Initialize));
    assert_eq!(path, &["d", "c"]);
    assert!(cleanup.is_empty());
    assert_eq!(
        err.to_string(),
        "module \"c\" failed in initialize: disk on fire (dependency path: d -> c)"
    );
    // "c" failed in initialize, so it is dropped without cleanup; "d" was never created.
    assert_eq!(
        *log.lock().unwrap(),
        [
            "create a",
            "init a",
            "create b",
            "init b",
            "create c",
            "init c",
            "cleanup b",
            "cleanup a"
        ]
    );
    Ok(())
}

#[test]
fn panics_become_errors_and_cleanup_failures_are_reported() -> TestResult {
    let log = Log::default();
    let registry = ModuleRegistry::empty();
    registry.register(probe_with("fragile", &log, &[], false, true))?;
    registry.register(probe("steady", &log, &["fragile"]))?;
    registry.register(
        ModuleConfig::new()
            .with_name("boom")
            .with_version("1.0.0")
            .add_dependency("steady")
            .with_factory(|_| panic!("factory exploded")),
    )?;
    let err = registry.create("boom").unwrap_err();
    let RegistryError::Failed {
        stage,
        error,
        cleanup,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(*stage, Stage::Create);
    assert_eq!(error.to_string(), "panicked: factory exploded");
    assert_eq!(cleanup.len(), 1);
    assert_eq!(
        (cleanup[0].0.as_str(), cleanup[0].1.to_string()),
        ("fragile", "stuck".to_owned())
    );

    let instance = registry.create("steady")?;
    let err = instance.shutdown().unwrap_err();
    assert_eq!(
        err.to_string(),
        "instance of module \"steady\": 1 module(s) failed to clean up: \"fragile\": stuck"
    );
    Ok(())
}

#[test]
fn linked_modules_are_created_through_the_static_runtime() -> TestResult {
    let registry = ModuleRegistry::new();
    let upper = registry.create("static-upper")?;
    assert_eq!(upper.process(b"abc")?, b"ABC");
    assert_eq!(upper.module().version(), "2.1.0");
    assert!(upper.runtime().is_some());

    let store = registry.create("static-store")?;
    let err = store.process(b"abc").unwrap_err();
    assert!(
        err.to_string().starts_with(
            "module \"static-store\" is statically linked and does not provide `dyn Processor`"
        ),
        "{err}"
    );

    // A dynamic module may depend on a linked one, with a version requirement.
    registry.register(
        ModuleConfig::new()
            .with_name("shouter")
            .with_version("1.0.0")
            .add_dependency(DependencyConfig::new("static-upper").with_version_req("^2"))
            .with_factory(|ctx| {
                let upper = ctx.get("static-upper").ok_or("static-upper is missing")?;
                Ok(Box::new(Shouter(upper)))
            }),
    )?;
    let shouter = registry.create("shouter")?;
    assert_eq!(
        shouter.modules().collect::<Vec<_>>(),
        ["static-upper", "shouter"]
    );
    assert_eq!(shouter.process(b"hey")?, b"HEY!");
    let refused = registry
        .register(
            ModuleConfig::new()
                .with_name("picky")
                .with_version("1.0.0")
                .add_dependency(DependencyConfig::new("static-upper").with_version_req("^3")),
        )
        .unwrap_err();
    assert_eq!(
        refused.validation_errors().unwrap().errors()[0].to_string(),
        "module \"picky\" requires \"static-upper\" ^3, but found \"static-upper\" 2.1.0"
    );
    Ok(())
}

struct Shouter(Arc<dyn DynModule>);

impl DynModule for Shouter {
    fn name(&self) -> &str {
        "shouter"
    }
    fn version(&self) -> &str {
        "1.0.0"
    }
    fn module_type(&self) -> ModuleType {
        ModuleType::Service
    }
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        let mut out = self.0.process(data)?;
        out.push(b'!');
        Ok(out)
    }
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

fn custom_config(version: &'static str) -> ModuleConfig {
    ModuleConfig::new()
        .with_name("custom")
        .with_version("1.0.0")
        .with_type(ModuleType::custom("custom"))
        .add_capability("custom-processing")
        .with_factory(move |_| {
            Ok(Box::new(CustomModule {
                name: "custom".into(),
                version: version.into(),
            }))
        })
}

#[test]
fn faq_custom_module_type_and_validation() -> TestResult {
    let registry = ModuleRegistry::empty();
    registry.register(custom_config("1.0.0"))?;
    let instance = registry.create("custom")?;
    assert_eq!(instance.process(b"same")?, b"same");
    assert_eq!(
        instance.module().module_type(),
        ModuleType::custom("custom")
    );

    // The instance says 2.0.0 but was registered as 1.0.0: validation refuses it.
    let registry = ModuleRegistry::empty();
    registry.register(custom_config("2.0.0"))?;
    let err = registry.create("custom").unwrap_err();
    assert_eq!(
        err.to_string(),
        "module \"custom\" failed in create: the instance does not match its registration: its version is \"2.0.0\", registered 1.0.0 (dependency path: custom)"
    );
    let off = InstantiationConfig::new().with_validation(false);
    registry.create_with("custom", &off)?;
    Ok(())
}

#[test]
fn monitoring_and_initialization_switches() -> TestResult {
    let log = Log::default();
    let registry = ModuleRegistry::empty();
    registry.register(probe("leaf", &log, &[]))?;
    registry.register(probe("root", &log, &["leaf"]))?;
    let instance = registry.create("root")?;
    instance.process(b"1")?;
    instance.process(b"2")?;
    let metrics = instance.metrics();
    assert_eq!(
        metrics
            .iter()
            .map(|m| (m.name.as_str(), m.calls, m.errors))
            .collect::<Vec<_>>(),
        [("leaf", 2, 0), ("root", 2, 0)]
    );
    drop(instance);
    assert_eq!(
        log.lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with("cleanup"))
            .count(),
        2
    );

    log.lock().unwrap().clear();
    let quiet = InstantiationConfig::new()
        .with_monitoring(false)
        .with_initialization(false);
    let instance = registry.create_with("root", &quiet)?;
    instance.process(b"1")?;
    assert!(instance.metrics().is_empty());
    instance.shutdown()?;
    assert_eq!(*log.lock().unwrap(), ["create leaf", "create root"]);
    Ok(())
}

/// Requirements of every shape are checked with `semver`'s meaning: the common ones (`^1.2`)
/// and the rest (ranges, pre-releases, wildcards) alike, and malformed ones are refused.
#[test]
fn version_requirements_of_every_shape() {
    let registry = ModuleRegistry::empty();
    let base =
        |name: &str, version: &str| ModuleConfig::new().with_name(name).with_version(version);
    registry.register(base("lib", "1.5.0")).unwrap();
    registry.register(base("pre", "2.0.0-beta.3")).unwrap();
    let with_req = |name: &str, dep: &str, req: &str| {
        base(name, "1.0.0").add_dependency(DependencyConfig::new(dep).with_version_req(req))
    };
    let accepted = [
        ("lib", "^1.2"),
        ("lib", "1.5.0"),
        ("lib", ">=1.2, <2"),
        ("lib", "  ~1.5 "),
        ("lib", "1.*"),
        ("lib", "^1.2.3-alpha"),
        ("lib", "*"),
        ("pre", ">=2.0.0-beta.2"),
        ("pre", "=2.0.0-beta.3"),
    ];
    for (i, (dep, req)) in accepted.into_iter().enumerate() {
        registry
            .register(with_req(&format!("ok-{i}"), dep, req))
            .unwrap_or_else(|e| panic!("{dep} {req}: {e}"));
    }
    let unsatisfied = [
        ("lib", "^2"),
        ("lib", ">=1.2, <1.5"),
        ("lib", "~1.4"),
        ("lib", "=1.5.1"),
        ("pre", "^2"),
        ("pre", ">=2.0.0-beta.4"),
        ("lib", "<1"),
    ];
    let refusal_codes = |dep: &str, req: &str| -> Vec<&'static str> {
        let err = registry.register(with_req("no", dep, req)).unwrap_err();
        err.validation_errors()
            .unwrap()
            .iter()
            .map(|e| e.code())
            .collect()
    };
    for (dep, req) in unsatisfied {
        assert_eq!(refusal_codes(dep, req), ["MR0003"], "{dep} {req}");
    }
    for req in [
        "01.2", "^1.2.", "1.2.3.4", ">= ", "^^1", "1.2.3-", "", "~>1",
    ] {
        assert_eq!(refusal_codes("lib", req), ["MR0007"], "{req:?}");
    }
    assert_eq!(registry.len(), 2 + accepted.len());
}

/// A registration that takes a linked module's name is the second definition: the notes name
/// the linked module's `#[derive]` first, and the finding points at the registration.
#[test]
fn a_duplicate_of_a_linked_module_is_the_second_definition() {
    let registry = ModuleRegistry::new();
    let location = registry
        .get("static-upper")
        .unwrap()
        .descriptor()
        .unwrap()
        .location();
    let err = registry
        .register(
            ModuleConfig::new()
                .with_name("static-upper")
                .with_version("9.0.0"),
        )
        .unwrap_err();
    let finding = &err.validation_errors().unwrap().errors()[0];
    assert_eq!(finding.code(), "MR0004");
    assert_eq!(
        finding.notes(),
        [
            format!(
                "first defined at {}:{}:{}",
                location.file(),
                location.line(),
                location.column()
            ),
            "defined again at <registered at run time>".to_owned(),
        ]
    );
    assert_eq!(
        finding.site().unwrap().to_string(),
        "<registered at run time>"
    );
}

/// A module's version is a `semver::Version`, named through this crate's re-export.
#[test]
fn versions_are_semver_through_the_reexport() {
    use module_registry::semver;
    let registry = ModuleRegistry::empty();
    let info = registry
        .register(
            ModuleConfig::new()
                .with_name("v")
                .with_version("1.2.3-rc.1"),
        )
        .unwrap();
    let version: &semver::Version = info.version();
    assert_eq!(version.pre.as_str(), "rc.1");
    assert!(semver::VersionReq::parse(">=1.2.3-rc.0")
        .unwrap()
        .matches(version));
}

#[test]
fn bad_strings_are_errors_not_panics() {
    let registry = ModuleRegistry::empty();
    let err = registry
        .register(ModuleConfig::new().with_name("m").with_version("1.x"))
        .unwrap_err();
    let errors = err.validation_errors().unwrap();
    assert_eq!(errors.errors()[0].code(), "MR0007");
    assert!(
        errors.errors()[0]
            .to_string()
            .starts_with("invalid version \"1.x\" for module \"m\": "),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("module \"m\" refused: 1 module graph error:\nerror[MR0007]"),
        "{err}"
    );

    let err = registry
        .register(
            ModuleConfig::new()
                .with_name("Bad_Name")
                .with_version("")
                .add_dependency(DependencyConfig::new("x").with_version_req("^^1")),
        )
        .unwrap_err();
    let codes: Vec<_> = err
        .validation_errors()
        .unwrap()
        .iter()
        .map(|e| e.code())
        .collect();
    assert_eq!(codes, ["MR0008", "MR0007", "MR0007"]);
    let texts: Vec<String> = err
        .validation_errors()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        texts[2].starts_with("invalid version requirement \"^^1\" for module \"Bad_Name\""),
        "{texts:?}"
    );
    assert!(
        ModuleInfo::from_config(ModuleConfig::new().with_name("ok").with_version("nope")).is_err()
    );
    assert!(registry.is_empty());
}

#[test]
fn faq_custom_discovery_strategy_that_finds_nothing_leaves_the_registry_answers() -> TestResult {
    struct MyCustomDiscoveryStrategy;

    impl CustomDiscoveryStrategy for MyCustomDiscoveryStrategy {
        fn discover(&self, query: &DiscoveryQuery) -> Result<Vec<ModuleInfo>, RegistryError> {
            let _ = query;
            Ok(vec![])
        }
    }

    let registry =
        ModuleRegistry::new().add_custom_discovery_strategy(Box::new(MyCustomDiscoveryStrategy));
    let found = registry.discover(DiscoveryQuery::new().with_name_pattern("static-upper"))?;
    assert_eq!(names(&found), ["static-upper"]);
    Ok(())
}

/// A catalogue of plugins on disk, say: answers with what matches.
struct Catalogue(Vec<&'static str>);

impl CustomDiscoveryStrategy for Catalogue {
    fn discover(&self, query: &DiscoveryQuery) -> Result<Vec<ModuleInfo>, RegistryError> {
        let mut out = Vec::new();
        for name in &self.0 {
            let info = ModuleInfo::from_config(
                ModuleConfig::new()
                    .with_name(*name)
                    .with_version("0.9.0")
                    .with_type(ModuleType::DataProcessor),
            )?;
            if query.matches(&info) {
                out.push(info);
            }
        }
        Ok(out)
    }
}

#[test]
fn a_catalogue_strategy_adds_its_finds_and_the_registry_entry_wins() -> TestResult {
    let registry =
        ModuleRegistry::empty().add_custom_discovery_strategy(Box::new(Catalogue(vec![
            "zip-processor",
            "data-processor",
            "other",
        ])));
    registry.register(
        ModuleConfig::new()
            .with_name("data-processor")
            .with_version("1.0.0")
            .with_type(ModuleType::DataProcessor),
    )?;
    let found = registry.discover(DiscoveryQuery::new().with_name_pattern("processor"))?;
    assert_eq!(names(&found), ["data-processor", "zip-processor"]);
    assert!(found[0].is_registered() && !found[1].is_registered());
    assert_eq!(
        found[0].version().to_string(),
        "1.0.0",
        "the registry's own entry wins"
    );
    Ok(())
}

#[test]
fn a_failing_discovery_strategy_fails_the_discovery_with_its_error() {
    struct Broken;
    impl CustomDiscoveryStrategy for Broken {
        fn discover(&self, _: &DiscoveryQuery) -> Result<Vec<ModuleInfo>, RegistryError> {
            Err(RegistryError::strategy("plugins", "directory unreadable"))
        }
    }
    let registry = ModuleRegistry::empty().add_custom_discovery_strategy(Box::new(Broken));
    let err = registry.discover(DiscoveryQuery::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "strategy failed for module \"plugins\": directory unreadable"
    );
}

struct MyCustomInstantiationStrategy;

impl CustomInstantiationStrategy for MyCustomInstantiationStrategy {
    fn instantiate(&self, module_info: &ModuleInfo) -> Result<Box<dyn DynModule>, RegistryError> {
        Ok(Box::new(CustomModule {
            name: module_info.name().to_owned(),
            version: module_info.version().to_string(),
        }))
    }
}

/// Handles only `legacy-*` modules, and refuses to build them.
struct Legacy;

impl CustomInstantiationStrategy for Legacy {
    fn instantiate(&self, module_info: &ModuleInfo) -> Result<Box<dyn DynModule>, RegistryError> {
        Err(RegistryError::strategy(
            module_info.name(),
            "legacy modules are retired",
        ))
    }
    fn handles(&self, module_info: &ModuleInfo) -> bool {
        module_info.name().starts_with("legacy-")
    }
}

fn plain_custom() -> ModuleConfig {
    ModuleConfig::new()
        .with_name("plain")
        .with_version("1.2.3")
        .with_type(ModuleType::custom("custom"))
}

#[test]
fn without_a_factory_or_a_strategy_a_module_cannot_be_created() -> TestResult {
    let without = ModuleRegistry::empty();
    without.register(plain_custom())?;
    let err = without.create("plain").unwrap_err();
    assert_eq!(
        err.to_string(),
        "module \"plain\" has no factory, and no instantiation strategy handles it (needed by \"plain\")"
    );
    Ok(())
}

#[test]
fn faq_custom_instantiation_strategy_builds_the_modules_it_handles() -> TestResult {
    let registry = ModuleRegistry::empty()
        .add_custom_instantiation_strategy(Box::new(Legacy))
        .add_custom_instantiation_strategy(Box::new(MyCustomInstantiationStrategy));
    registry.register(plain_custom())?;
    registry.register(
        ModuleConfig::new()
            .with_name("legacy-db")
            .with_version("0.1.0")
            .with_type(ModuleType::custom("custom")),
    )?;
    let instance = registry.create("plain")?;
    assert_eq!(instance.module().version(), "1.2.3");
    assert_eq!(instance.process(b"p")?, b"p");
    let err = registry.create("legacy-db").unwrap_err();
    assert!(
        err.to_string().contains("legacy modules are retired"),
        "{err}"
    );
    assert!(matches!(
        registry.create("nope"),
        Err(RegistryError::NotFound { .. })
    ));
    Ok(())
}
