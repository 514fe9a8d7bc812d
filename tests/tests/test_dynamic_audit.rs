//! An audit of the dynamic registry (`ModuleRegistry`) written from SPEC §3–§7, the FAQ and the
//! crate docs, against the public API only: refusals that must change nothing, concurrent
//! writers, `create` and its cleanup, discovery and ranking, and the FAQ's own snippets.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::error::Error;
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, OnceLock};

use module_registry::dynamic::DependencyConfig;
use module_registry::runtime::Stage;
use module_registry::{
    modules, CapabilityQuery, Context, CustomDiscoveryStrategy, CustomInstantiationStrategy,
    DiscoveryQuery, DynModule, InstantiationConfig, Lifecycle, Module, ModuleConfig, ModuleError,
    ModuleInfo, ModuleInstance, ModuleRegistry, ModuleType, Processor, RegistryError,
};

// ---------------------------------------------------------------------------------------------
// Linked modules of this test binary (they are in `ModuleRegistry::new()`).

/// A linked module that offers `dyn Processor`.
#[derive(Module, Default)]
#[module(name = "audit-upper", version = "2.1.0", kind = DataProcessor,
         capabilities = ["processing", "uppercase"], provides = [dyn Processor])]
struct AuditUpper;

impl Processor for AuditUpper {
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        Ok(data.to_ascii_uppercase())
    }
}

static VAULT_INIT: AtomicUsize = AtomicUsize::new(0);
static VAULT_CLEANUP: AtomicUsize = AtomicUsize::new(0);

/// A linked module with lifecycle hooks that count; only
/// `linked_dependencies_boot_and_clean_up_exactly_once` creates it.
#[derive(Module, Default)]
#[module(name = "audit-vault", version = "3.1.4", kind = Security,
         capabilities = ["vault"], lifecycle)]
struct AuditVault;

impl Lifecycle for AuditVault {
    fn initialize(&mut self) -> Result<(), ModuleError> {
        VAULT_INIT.fetch_add(1, Ordering::SeqCst);
        push(vault_log(), "init audit-vault".to_owned());
        Ok(())
    }
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        VAULT_CLEANUP.fetch_add(1, Ordering::SeqCst);
        push(vault_log(), "cleanup audit-vault".to_owned());
        Ok(())
    }
}

/// Where `AuditVault` logs its hooks, shared with the dynamic modules of the test that uses it.
fn vault_log() -> &'static Log {
    static LOG: OnceLock<Log> = OnceLock::new();
    LOG.get_or_init(Log::default)
}

/// A linked module whose `create` always fails.
#[derive(Module)]
#[module(name = "audit-flaky", version = "0.1.0", create = AuditFlaky::new)]
struct AuditFlaky;

impl AuditFlaky {
    fn new(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
        Err(ModuleError::new("flaky hardware"))
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers.

type Log = Arc<Mutex<Vec<String>>>;

fn entries(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

fn push(log: &Log, line: String) {
    log.lock().unwrap_or_else(|e| e.into_inner()).push(line);
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Fail {
    #[default]
    No,
    Error,
    Panic,
}

fn fail(what: Fail, text: String) -> Result<(), ModuleError> {
    match what {
        Fail::No => Ok(()),
        Fail::Error => Err(ModuleError::new(text)),
        Fail::Panic => panic!("{text}"),
    }
}

/// A hand-written module that logs its hooks and its drop, and chains `process` through the
/// dependencies its factory was given.
struct Probe {
    name: String,
    version: String,
    kind: ModuleType,
    caps: Vec<&'static str>,
    log: Log,
    deps: Vec<Arc<dyn DynModule>>,
    init: Fail,
    cleanup: Fail,
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
    fn capabilities(&self) -> &[&str] {
        &self.caps
    }
    fn initialize(&mut self) -> Result<(), ModuleError> {
        push(&self.log, format!("init {}", self.name));
        fail(self.init, format!("{} init failed", self.name))
    }
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        push(&self.log, format!("cleanup {}", self.name));
        fail(self.cleanup, format!("{} cleanup failed", self.name))
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

impl Drop for Probe {
    fn drop(&mut self) {
        push(&self.log, format!("drop {}", self.name));
    }
}

/// Builds the `ModuleConfig` of a `Probe`. Its factory fails if a required dependency is not
/// handed over, logs which declared dependencies it got, and keeps them.
#[derive(Clone)]
struct P {
    name: String,
    version: String,
    kind: ModuleType,
    caps: Vec<&'static str>,
    deps: Vec<DependencyConfig>,
    create: Fail,
    init: Fail,
    cleanup: Fail,
}

fn p(name: &str) -> P {
    P {
        name: name.to_owned(),
        version: "1.0.0".to_owned(),
        kind: ModuleType::Service,
        caps: Vec::new(),
        deps: Vec::new(),
        create: Fail::No,
        init: Fail::No,
        cleanup: Fail::No,
    }
}

impl P {
    fn version(mut self, v: &str) -> Self {
        self.version = v.to_owned();
        self
    }
    fn kind(mut self, k: ModuleType) -> Self {
        self.kind = k;
        self
    }
    fn cap(mut self, c: &'static str) -> Self {
        self.caps.push(c);
        self
    }
    fn dep(mut self, d: impl Into<DependencyConfig>) -> Self {
        self.deps.push(d.into());
        self
    }
    fn create(mut self, f: Fail) -> Self {
        self.create = f;
        self
    }
    fn init(mut self, f: Fail) -> Self {
        self.init = f;
        self
    }
    fn cleanup(mut self, f: Fail) -> Self {
        self.cleanup = f;
        self
    }
    fn config(self, log: &Log) -> ModuleConfig {
        let P {
            name,
            version,
            kind,
            caps,
            deps,
            create,
            init,
            cleanup,
        } = self;
        let mut config = ModuleConfig::new()
            .with_name(name.as_str())
            .with_version(version.as_str())
            .with_type(kind.clone());
        for c in &caps {
            config = config.add_capability(*c);
        }
        for d in &deps {
            config = config.add_dependency(d.clone());
        }
        let log = log.clone();
        config.with_factory(move |ctx| {
            let mut got = Vec::new();
            let mut seen = Vec::new();
            for d in &deps {
                match ctx.get(d.name()) {
                    Some(m) => {
                        seen.push(d.name().to_owned());
                        got.push(m);
                    }
                    None if d.is_optional() => {}
                    None => {
                        return Err(ModuleError::new(format!(
                            "{name}: required dependency {} not handed over",
                            d.name()
                        )))
                    }
                }
            }
            push(&log, format!("create {} [{}]", name, seen.join(",")));
            fail(create, format!("{name} create failed"))?;
            Ok(Box::new(Probe {
                name: name.clone(),
                version: version.clone(),
                kind: kind.clone(),
                caps: caps.clone(),
                log: log.clone(),
                deps: got,
                init,
                cleanup,
            }))
        })
    }
}

fn opt(name: &str) -> DependencyConfig {
    DependencyConfig::new(name).optional()
}

fn cfg(name: &str, version: &str) -> ModuleConfig {
    ModuleConfig::new().with_name(name).with_version(version)
}

fn names(modules: &[ModuleInfo]) -> Vec<&str> {
    modules.iter().map(ModuleInfo::name).collect()
}

fn describe(m: &ModuleInfo) -> String {
    format!(
        "{} {} {} caps={:?} requires={:?} deps={:?} registered={} linked={}",
        m.name(),
        m.version(),
        m.module_type(),
        m.capabilities().collect::<Vec<_>>(),
        m.required_capabilities().collect::<Vec<_>>(),
        m.dependencies(),
        m.is_registered(),
        m.descriptor().is_some()
    )
}

/// Everything a user can observe about a registry, through every read API.
fn snapshot(r: &ModuleRegistry, probes: &[&str]) -> String {
    let mut out = String::new();
    writeln!(out, "len={} empty={} {r:?}", r.len(), r.is_empty()).unwrap();
    let modules = r.modules();
    let mut caps: BTreeSet<String> = probes.iter().map(|s| (*s).to_owned()).collect();
    for m in &modules {
        writeln!(out, "module {}", describe(m)).unwrap();
        caps.extend(m.capabilities().map(str::to_owned));
    }
    let all = r.discover(DiscoveryQuery::new()).unwrap();
    writeln!(out, "discover {:?}", names(&all)).unwrap();
    for cap in &caps {
        let q = CapabilityQuery::new().with_required_capabilities([cap.as_str()]);
        writeln!(
            out,
            "cap {cap}: {:?}",
            names(&r.discover_capabilities(q).unwrap())
        )
        .unwrap();
    }
    let ranked = r
        .discover_capabilities(CapabilityQuery::new().with_optional_capabilities(&caps))
        .unwrap();
    writeln!(out, "ranked {:?}", names(&ranked)).unwrap();
    for name in probes {
        writeln!(
            out,
            "get {name}: {:?} contains={} pattern={:?}",
            r.get(name).map(|m| describe(&m)),
            r.contains(name),
            names(
                &r.discover(DiscoveryQuery::new().with_name_pattern(*name))
                    .unwrap()
            )
        )
        .unwrap();
    }
    writeln!(
        out,
        "validate {:?}",
        r.validate().map_err(|e| e.to_string())
    )
    .unwrap();
    out
}

/// `(code, text)` of each finding of a refusal; checks that the refusal names the module.
fn refusal(r: &ModuleRegistry, config: ModuleConfig) -> Vec<(&'static str, String)> {
    let name = config.name().to_owned();
    match r.register(config) {
        Err(RegistryError::Refused { module, errors }) => {
            assert_eq!(module, name, "the refusal names the refused module");
            assert!(!errors.is_empty());
            errors.iter().map(|e| (e.code(), e.to_string())).collect()
        }
        other => panic!("{name}: expected a refusal, got {other:?}"),
    }
}

fn codes(findings: &[(&'static str, String)]) -> Vec<&'static str> {
    findings.iter().map(|f| f.0).collect()
}

// ---------------------------------------------------------------------------------------------
// The FAQ.

/// What the FAQ's "data-processor" does once it has a factory (SPEC §5: "with a factory for the
/// instance").
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

/// "How do I use a module?", in a function whose error type is the registry's.
fn use_a_module(registry: &ModuleRegistry, data: &[u8]) -> Result<Vec<u8>, RegistryError> {
    let instance = registry.create("data-processor")?;
    let result = instance.process(data)?;
    Ok(result)
}

#[test]
fn faq_usage_snippets_work_as_written() -> Result<(), Box<dyn Error>> {
    // How do I register a module? (plus the factory SPEC §5 asks for)
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

    // How do I discover modules?
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
    assert!(kind.contains(&"audit-upper") && kind.contains(&"data-processor"));

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

#[test]
fn faq_advanced_snippets_with_the_documented_cosmetic_changes() -> Result<(), Box<dyn Error>> {
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
        fn instantiate(
            &self,
            _module_info: &ModuleInfo,
        ) -> Result<Box<dyn DynModule>, RegistryError> {
            // Implement custom instantiation logic
            Ok(Box::new(MyCustomModule::new()))
        }
    }

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

// ---------------------------------------------------------------------------------------------
// Refusals.

/// Every kind of refusal, on a registry with linked modules and waiting optional edges, leaves
/// every observable thing as it was; findings carry the codes and texts of the crate docs; and
/// the registry behaves afterwards as if the refused configurations never came.
#[test]
fn refusals_of_every_kind_leave_the_registry_exactly_as_it_was() -> Result<(), Box<dyn Error>> {
    let log = Log::default();
    let registry = ModuleRegistry::from_registry(&modules![AuditUpper]);
    registry.register(
        p("storage")
            .version("1.2.0")
            .kind(ModuleType::Storage)
            .cap("storage")
            .cap("persistence")
            .config(&log),
    )?;
    registry.register(
        p("cache")
            .version("0.3.1")
            .cap("cache")
            .dep(DependencyConfig::new("storage").with_version_req("^1.2"))
            .dep(opt("metrics").with_version_req("^1"))
            .config(&log),
    )?;
    registry.register(
        p("web")
            .dep("cache")
            .dep(opt("session"))
            .dep(opt("audit-upper").with_version_req(">=2, <3"))
            .config(&log)
            .add_required_capability("storage"),
    )?;
    let probes = [
        "metrics",
        "session",
        "storage",
        "cache",
        "web",
        "reader",
        "picky",
        "locker",
        "selfish",
        "audit-upper",
        "Cache",
        "x1",
    ];
    let before = snapshot(&registry, &probes);
    let long = "a".repeat(65);

    let bad_name = |n: &str| {
        format!("invalid module name \"{n}\": expected 1 to 64 characters, lowercase words of [a-z0-9] joined by `-`")
    };
    let cases: Vec<(ModuleConfig, Vec<&str>, String)> = vec![
        (cfg("Cache", "1.0.0"), vec!["MR0008"], bad_name("Cache")),
        (cfg(&long, "1.0.0"), vec!["MR0008"], bad_name(&long)),
        (cfg("a--b", "1.0.0"), vec!["MR0008"], bad_name("a--b")),
        (cfg("-a", "1.0.0"), vec!["MR0008"], bad_name("-a")),
        (cfg("a-", "1.0.0"), vec!["MR0008"], bad_name("a-")),
        (cfg("", "1.0.0"), vec!["MR0008"], bad_name("")),
        (cfg("a_b", "1.0.0"), vec!["MR0008"], bad_name("a_b")),
        (cfg("caché", "1.0.0"), vec!["MR0008"], bad_name("caché")),
        (cfg(" web", "1.0.0"), vec!["MR0008"], bad_name(" web")),
        (
            cfg("x1", "1.x"),
            vec!["MR0007"],
            "invalid version \"1.x\" for module \"x1\": ".into(),
        ),
        (
            cfg("x1", ""),
            vec!["MR0007"],
            "invalid version \"\" for module \"x1\": ".into(),
        ),
        (
            cfg("x1", "v1.0.0"),
            vec!["MR0007"],
            "invalid version \"v1.0.0\"".into(),
        ),
        (
            cfg("x1", "01.0.0"),
            vec!["MR0007"],
            "invalid version \"01.0.0\"".into(),
        ),
        (
            cfg("x1", "1.0"),
            vec!["MR0007"],
            "invalid version \"1.0\"".into(),
        ),
        (
            cfg("x1", "1.0.0").add_dependency(DependencyConfig::new("storage").with_version_req("^^1")),
            vec!["MR0007"],
            "invalid version requirement \"^^1\" for module \"x1\": ".into(),
        ),
        (
            cfg("x1", "1.0.0").add_dependency(opt("nowhere").with_version_req(">=1 <2")),
            vec!["MR0007"],
            "invalid version requirement \">=1 <2\" for module \"x1\": ".into(),
        ),
        (
            cfg("storage", "9.9.9"),
            vec!["MR0004"],
            "duplicate module name \"storage\": defined at <registered at run time> and at <registered at run time>".into(),
        ),
        (
            cfg("audit-upper", "2.1.0"),
            vec!["MR0004"],
            "duplicate module name \"audit-upper\": defined at ".into(),
        ),
        (
            cfg("reader", "1.0.0").add_dependency("nosuch"),
            vec!["MR0002"],
            "module \"reader\" depends on \"nosuch\", which is not in the registry".into(),
        ),
        (
            cfg("reader", "1.0.0").add_dependency("metrics"),
            vec!["MR0002"],
            "module \"reader\" depends on \"metrics\", which is not in the registry".into(),
        ),
        (
            cfg("picky", "1.0.0")
                .add_dependency(DependencyConfig::new("storage").with_version_req("^2")),
            vec!["MR0003"],
            "module \"picky\" requires \"storage\" ^2, but found \"storage\" 1.2.0".into(),
        ),
        (
            cfg("picky", "1.0.0")
                .add_dependency(opt("audit-upper").with_version_req("~2.0")),
            vec!["MR0003"],
            "module \"picky\" requires \"audit-upper\" ~2.0, but found \"audit-upper\" 2.1.0".into(),
        ),
        (
            cfg("metrics", "2.0.0"),
            vec!["MR0003"],
            "module \"cache\" requires \"metrics\" ^1, but found \"metrics\" 2.0.0".into(),
        ),
        (
            cfg("metrics", "1.0.0-rc.1"),
            vec!["MR0003"],
            "module \"cache\" requires \"metrics\" ^1, but found \"metrics\" 1.0.0-rc.1".into(),
        ),
        (
            cfg("session", "1.0.0").add_dependency("web"),
            vec!["MR0001"],
            "dependency cycle: session -> web -> session".into(),
        ),
        (
            cfg("metrics", "2.0.0").add_dependency("web"),
            vec!["MR0003", "MR0001"],
            "module \"cache\" requires \"metrics\" ^1, but found \"metrics\" 2.0.0".into(),
        ),
        (
            cfg("locker", "1.0.0").add_required_capability("encryption"),
            vec!["MR0005"],
            "capability \"encryption\" required by \"locker\" is not provided by any module".into(),
        ),
        (
            cfg("selfish", "1.0.0").add_dependency("selfish"),
            vec!["MR0001"],
            "dependency cycle: selfish -> selfish".into(),
        ),
        (
            cfg("reader", "1.0.0")
                .add_dependency("nosuch")
                .add_dependency(DependencyConfig::new("storage").with_version_req("<1.2"))
                .add_required_capability("encryption"),
            vec!["MR0002", "MR0003", "MR0005"],
            "module \"reader\" depends on \"nosuch\", which is not in the registry".into(),
        ),
    ];
    for (config, want_codes, first_text) in cases {
        let name = config.name().to_owned();
        let got = refusal(&registry, config);
        assert_eq!(codes(&got), want_codes, "{name}: {got:?}");
        assert!(got[0].1.starts_with(&first_text), "{name}: {got:?}");
        assert_eq!(
            snapshot(&registry, &probes),
            before,
            "refusing {name:?} changed the registry"
        );
    }
    // The cycle found together with the version problem is the one through the new module.
    let got = refusal(&registry, cfg("metrics", "2.0.0").add_dependency("web"));
    assert_eq!(
        got[1].1,
        "dependency cycle: cache -> metrics -> web -> cache"
    );
    // A refusal prints the way the build check does: headline with code, notes, help.
    let err = registry
        .register(cfg("reader", "1.0.0").add_dependency("nosuch"))
        .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "module \"reader\" refused: 1 module graph error:\nerror[MR0002]: module \"reader\" depends on \"nosuch\", which is not in the registry\n"
        ),
        "{err}"
    );
    let report = err.validation_errors().unwrap().errors()[0].report();
    assert!(
        report.lines().last().unwrap().starts_with("  help: "),
        "{report}"
    );
    assert_eq!(snapshot(&registry, &probes), before);

    // Everything refused above can now register for real, and the waiting edges resolve.
    registry.register(p("metrics").version("1.4.0").config(&log))?;
    registry.register(p("session").config(&log))?;
    registry.register(p("reader").dep("storage").config(&log))?;
    assert_eq!(
        names(&registry.modules()),
        [
            "audit-upper",
            "storage",
            "cache",
            "web",
            "metrics",
            "session",
            "reader"
        ],
        "linked first, then in registration order"
    );
    registry.validate()?;
    let web = registry.create("web")?;
    assert_eq!(
        web.modules().collect::<Vec<_>>(),
        [
            "audit-upper",
            "metrics",
            "session",
            "storage",
            "cache",
            "web"
        ]
    );
    // Through each declared dependency, in declaration order; the linked one uppercases.
    assert_eq!(web.process(b">")?, b">|STORAGE|METRICS|CACHE|SESSION|web");
    let creates: Vec<String> = entries(&log)
        .into_iter()
        .filter(|l| l.starts_with("create"))
        .collect();
    assert_eq!(
        creates,
        [
            "create metrics []",
            "create session []",
            "create storage []",
            "create cache [storage,metrics]",
            "create web [cache,session,audit-upper]",
        ]
    );
    Ok(())
}

/// Several modules wait for one name, with requirements; candidates that would fail some
/// requirement, close a cycle, or both, are refused with every finding; a good one resolves
/// every waiting edge at once.
#[test]
fn many_waiting_edges_one_name_every_finding_then_one_resolution() -> Result<(), Box<dyn Error>> {
    let log = Log::default();
    let registry = ModuleRegistry::empty();
    registry.register(p("a").dep(opt("x").with_version_req("^2")).config(&log))?;
    registry.register(p("b").dep(opt("x")).config(&log))?;
    registry.register(p("c").dep("b").config(&log))?;
    registry.register(
        p("d")
            .dep(opt("x").with_version_req(">=2.0.0, <3"))
            .dep(opt("y"))
            .config(&log),
    )?;
    let probes = ["a", "b", "c", "d", "x", "y"];
    let before = snapshot(&registry, &probes);

    let got = refusal(&registry, p("x").config(&log).add_dependency("c"));
    assert_eq!(
        got,
        [
            (
                "MR0003",
                "module \"a\" requires \"x\" ^2, but found \"x\" 1.0.0".to_owned()
            ),
            (
                "MR0003",
                "module \"d\" requires \"x\" >=2.0.0, <3, but found \"x\" 1.0.0".to_owned()
            ),
            ("MR0001", "dependency cycle: b -> x -> c -> b".to_owned()),
        ]
    );
    let got = refusal(&registry, p("x").version("2.5.0").dep("c").config(&log));
    assert_eq!(
        got,
        [("MR0001", "dependency cycle: b -> x -> c -> b".to_owned())]
    );
    let got = refusal(&registry, p("x").version("3.0.0").config(&log));
    assert_eq!(codes(&got), ["MR0003", "MR0003"]);
    let got = refusal(&registry, p("x").version("2.0.0-alpha").config(&log));
    assert_eq!(codes(&got), ["MR0003", "MR0003"]);
    // `y` must not be resolved by a refused module that depends on it either.
    let got = refusal(&registry, p("y").dep("d").config(&log));
    assert_eq!(
        got,
        [("MR0001", "dependency cycle: d -> y -> d".to_owned())]
    );
    assert_eq!(snapshot(&registry, &probes), before);

    registry.register(p("x").version("2.1.0").config(&log))?;
    registry.register(p("y").config(&log))?;
    registry.validate()?;
    for (root, order) in [
        ("a", &["x", "a"][..]),
        ("c", &["x", "b", "c"]),
        ("d", &["x", "y", "d"]),
    ] {
        let instance = registry.create(root)?;
        assert_eq!(instance.modules().collect::<Vec<_>>(), order, "{root}");
    }
    let creates: Vec<String> = entries(&log)
        .into_iter()
        .filter(|l| {
            l.starts_with("create a") || l.starts_with("create b") || l.starts_with("create d")
        })
        .collect();
    assert_eq!(creates, ["create a [x]", "create b [x]", "create d [x,y]"]);
    Ok(())
}

/// SPEC §6: every error has "one line per hop of the chain that explains why the module is
/// needed". For a requirement that fails on a waiting edge, the static check (`graph::check`,
/// run by `validate` and the build check) explains that `d` needs `a`, which needs `x ^2`.
#[test]
fn a_waiting_edge_refusal_explains_why_the_dependent_is_needed() {
    let registry = ModuleRegistry::empty();
    registry
        .register(cfg("a", "1.0.0").add_dependency(opt("x").with_version_req("^2")))
        .unwrap();
    registry
        .register(cfg("d", "1.0.0").add_dependency("a"))
        .unwrap();
    let err = registry.register(cfg("x", "1.0.0")).unwrap_err();
    let finding = &err.validation_errors().unwrap().errors()[0];
    assert_eq!(
        finding.notes(),
        [
            "d needs a  (<registered at run time>)",
            "a needs x ^2  (<registered at run time>)"
        ]
    );
}

/// SPEC §3: capabilities use "the same charset as names", and the derive refuses others
/// ("invalid capability"); the crate docs promise the dynamic registry "runs the same checks".
#[test]
fn capability_strings_are_checked_like_names() {
    let registry = ModuleRegistry::empty();
    let refusal = |result: Result<ModuleInfo, RegistryError>| -> Vec<(String, String)> {
        let err = result.unwrap_err();
        err.validation_errors()
            .unwrap()
            .iter()
            .map(|e| (e.code().to_owned(), e.to_string()))
            .collect()
    };
    for bad in ["Not Valid", "", "UPPER", "a--b", "trailing-"] {
        let expected = format!("invalid capability \"{bad}\" of module \"provider\": ");
        let found = refusal(registry.register(cfg("provider", "1.0.0").add_capability(bad)));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "MR0008");
        assert!(found[0].1.starts_with(&expected), "{found:?}");
        // Provided and required alike: each is reported.
        let found = refusal(
            registry.register(
                cfg("requirer", "1.0.0")
                    .add_capability(bad)
                    .add_required_capability(bad),
            ),
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().all(|(code, _)| code == "MR0008"), "{found:?}");
        // A dependency on a name no module can have.
        let found = refusal(registry.register(
            cfg("dependent", "1.0.0").add_dependency(DependencyConfig::new(bad).optional()),
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "MR0008");
        assert!(
            found[0]
                .1
                .starts_with(&format!("invalid module name \"{bad}\"")),
            "{found:?}"
        );
    }
    assert!(registry.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Concurrency.

type Outcome = (String, Result<(), Vec<(&'static str, String)>>);

/// Eight threads register at once: names raced by every thread, rings of optional edges that
/// the last member would close, private chains, refusals of every kind, requirements on
/// waiting edges, while reading and creating. Afterwards the registry is consistent: one module
/// per name, `validate` passes, every dependency resolves, and `create` works for every module
/// with exactly the modules its edges reach, dependencies first.
#[test]
fn eight_threads_leave_a_consistent_registry_that_creates_every_module() {
    const THREADS: usize = 8;
    const ROUNDS: usize = 25;
    let log = Log::default();
    let registry = ModuleRegistry::from_registry(&modules![AuditUpper]);
    let barrier = Barrier::new(THREADS);
    let outcomes: Vec<Outcome> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (registry, barrier, log) = (&registry, &barrier, &log);
                s.spawn(move || {
                    let mut out: Vec<Outcome> = Vec::new();
                    let mut reg = |config: ModuleConfig| {
                        let name = config.name().to_owned();
                        let r = registry.register(config).map(|_| ()).map_err(|e| {
                            e.validation_errors()
                                .unwrap_or_else(|| panic!("{name}: {e}"))
                                .iter()
                                .map(|f| (f.code(), f.to_string()))
                                .collect()
                        });
                        out.push((name, r));
                    };
                    barrier.wait();
                    for k in 0..ROUNDS {
                        reg(p(&format!("shared-{k}"))
                            .version(&format!("1.{t}.0"))
                            .config(log));
                        reg(p(&format!("ring-{k}-{t}"))
                            .dep(opt(&format!("ring-{k}-{}", (t + 1) % THREADS)))
                            .config(log));
                        let mut chain = p(&format!("chain-{t}-{k}"))
                            .dep(
                                DependencyConfig::new(format!("shared-{k}")).with_version_req("^1"),
                            )
                            .dep(opt("audit-upper").with_version_req("^2"))
                            .dep(opt(&format!("shared-{}", k + 1)));
                        if k > 0 {
                            chain = chain.dep(format!("chain-{t}-{}", k - 1));
                        }
                        reg(chain.config(log));
                        reg(cfg(&format!("Bad-{t}-{k}"), "1.0.0"));
                        reg(cfg(&format!("ghost-user-{t}-{k}"), "1.0.0")
                            .add_dependency(format!("ghost-{t}-{k}")));
                        reg(p(&format!("waiter-{t}-{k}"))
                            .dep(opt(&format!("late-{k}")).with_version_req("^2"))
                            .config(log));
                        reg(p(&format!("late-{k}")).config(log));
                        reg(p(&format!("late-{k}"))
                            .version(&format!("2.{t}.0"))
                            .config(log));
                        // Readers, between writes.
                        let all = registry.discover(DiscoveryQuery::new()).unwrap();
                        assert!(all.windows(2).all(|w| w[0].name() < w[1].name()));
                        match registry.create(&format!("chain-{t}-{k}")) {
                            Ok(instance) => drop(instance),
                            Err(e) => panic!("chain-{t}-{k}: {e}"),
                        }
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });

    let ok = |name: &str| {
        outcomes
            .iter()
            .filter(|(n, r)| n == name && r.is_ok())
            .count()
    };
    let refused_with = |name: &str, code: &str| {
        outcomes
            .iter()
            .filter(|(n, r)| n == name && r.as_ref().is_err_and(|f| f.iter().any(|c| c.0 == code)))
            .count()
    };
    for k in 0..ROUNDS {
        let shared = format!("shared-{k}");
        assert_eq!(
            (ok(&shared), refused_with(&shared, "MR0004")),
            (1, THREADS - 1)
        );
        let ring: Vec<String> = (0..THREADS).map(|t| format!("ring-{k}-{t}")).collect();
        let accepted: usize = ring.iter().map(|n| ok(n)).sum();
        assert_eq!(
            accepted,
            THREADS - 1,
            "ring {k}: the last member closes the cycle"
        );
        let cycle: Vec<&Outcome> = outcomes
            .iter()
            .filter(|(n, r)| n.starts_with(&format!("ring-{k}-")) && r.is_err())
            .collect();
        assert_eq!(cycle.len(), 1);
        let mut want = ring.join(" -> ");
        write!(want, " -> {}", ring[0]).unwrap();
        assert_eq!(
            cycle[0].1.as_ref().unwrap_err(),
            &[("MR0001", format!("dependency cycle: {want}"))]
        );
        let late = format!("late-{k}");
        assert_eq!(ok(&late), 1);
        assert!(registry.get(&late).unwrap().version().major == 2);
        for t in 0..THREADS {
            assert_eq!(ok(&format!("chain-{t}-{k}")), 1);
            assert_eq!(ok(&format!("waiter-{t}-{k}")), 1);
            assert_eq!(refused_with(&format!("Bad-{t}-{k}"), "MR0008"), 1);
            assert_eq!(refused_with(&format!("ghost-user-{t}-{k}"), "MR0002"), 1);
        }
    }
    // Every `late-k` 1.0.0 was refused: by a waiting requirement or as a duplicate.
    assert!(outcomes
        .iter()
        .filter(|(n, _)| n.starts_with("late-"))
        .all(|(_, r)| r
            .as_ref()
            .is_err_and(|f| f[0].0 == "MR0003" || f[0].0 == "MR0004")
            || r.is_ok()));
    let accepted = outcomes.iter().filter(|(_, r)| r.is_ok()).count();
    assert_eq!(registry.len(), 1 + accepted);

    let modules = registry.modules();
    let mut seen = HashSet::new();
    assert!(
        modules.iter().all(|m| seen.insert(m.name().to_owned())),
        "one module per name"
    );
    assert_eq!(modules[0].name(), "audit-upper");
    registry.validate().unwrap();
    let all = registry.discover(DiscoveryQuery::new()).unwrap();
    assert_eq!(all.len(), modules.len());

    // Every module is created with exactly what its present edges reach, dependencies first.
    let by_name: HashMap<&str, &ModuleInfo> = modules.iter().map(|m| (m.name(), m)).collect();
    for m in &modules {
        for d in m.dependencies() {
            match by_name.get(d.name()) {
                Some(dep) => {
                    if let Some(req) = d.version_req() {
                        let major: u64 = req.trim_start_matches('^').parse().unwrap();
                        assert_eq!(dep.version().major, major, "{} -> {}", m.name(), d.name());
                    }
                }
                None => assert!(d.is_optional(), "{} misses {}", m.name(), d.name()),
            }
        }
        let mut reach = BTreeSet::new();
        let mut stack = vec![m.name()];
        while let Some(n) = stack.pop() {
            if reach.insert(n) {
                stack.extend(
                    by_name[n]
                        .dependencies()
                        .iter()
                        .map(|d| d.name())
                        .filter(|d| by_name.contains_key(d)),
                );
            }
        }
        let instance = registry
            .create(m.name())
            .unwrap_or_else(|e| panic!("{}: {e}", m.name()));
        let built: Vec<&str> = instance.modules().collect();
        assert_eq!(
            built.iter().copied().collect::<BTreeSet<_>>(),
            reach,
            "{}",
            m.name()
        );
        let at: HashMap<&str, usize> = built.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        for n in &built {
            for d in by_name[n].dependencies() {
                if let Some(&i) = at.get(d.name()) {
                    assert!(i < at[n], "{}: {} built after {n}", m.name(), d.name());
                }
            }
        }
        assert_eq!(instance.name(), m.name());
    }
}

// ---------------------------------------------------------------------------------------------
// `create`.

/// A dynamic module on a linked one with lifecycle hooks: the linked module boots through the
/// static runtime and is cleaned up exactly once per instance, whether the instance is shut
/// down, dropped, or fails while being built.
#[test]
fn linked_dependencies_boot_and_clean_up_exactly_once() -> Result<(), Box<dyn Error>> {
    let counts = || {
        (
            VAULT_INIT.load(Ordering::SeqCst),
            VAULT_CLEANUP.load(Ordering::SeqCst),
        )
    };
    let start = counts();
    let at = |i: usize, c: usize| (start.0 + i, start.1 + c);
    let log = vault_log().clone();
    let registry = ModuleRegistry::new();
    registry.register(
        p("vault-user")
            .dep(DependencyConfig::new("audit-vault").with_version_req("^3.1"))
            .config(&log),
    )?;
    registry.register(
        p("vault-breaker")
            .dep("vault-user")
            .create(Fail::Error)
            .config(&log),
    )?;
    registry.register(
        p("vault-panicker")
            .dep("vault-user")
            .init(Fail::Panic)
            .config(&log),
    )?;

    let instance = registry.create("vault-user")?;
    assert_eq!(counts(), at(1, 0));
    assert_eq!(
        instance.modules().collect::<Vec<_>>(),
        ["audit-vault", "vault-user"]
    );
    assert!(instance.runtime().is_some());
    assert_eq!(instance.get("audit-vault").unwrap().version(), "3.1.4");
    instance.shutdown()?;
    assert_eq!(counts(), at(1, 1));
    // The linked module boots first and is cleaned up last, after its dependent is dropped.
    assert_eq!(
        entries(&log),
        [
            "init audit-vault",
            "create vault-user [audit-vault]",
            "init vault-user",
            "cleanup vault-user",
            "drop vault-user",
            "cleanup audit-vault"
        ]
    );

    drop(registry.create("vault-user")?);
    assert_eq!(counts(), at(2, 2));

    let err = registry.create("vault-breaker").unwrap_err();
    assert_eq!(counts(), at(3, 3), "{err}");
    assert_eq!(
        err.to_string(),
        "module \"vault-breaker\" failed in create: vault-breaker create failed (dependency path: vault-breaker)"
    );

    let err = registry.create("vault-panicker").unwrap_err();
    assert_eq!(counts(), at(4, 4), "{err}");
    match &err {
        RegistryError::Failed {
            module,
            stage: Stage::Initialize,
            error,
            cleanup,
            ..
        } => {
            assert_eq!(module, "vault-panicker");
            assert_eq!(error.to_string(), "panicked: vault-panicker init failed");
            assert!(cleanup.is_empty());
        }
        other => panic!("{other}"),
    }
    // Each dynamic module was cleaned up once per successful initialize and dropped once per
    // build; the failed ones never cleaned up.
    let lines = entries(&log);
    let count = |line: &str| lines.iter().filter(|l| *l == line).count();
    assert_eq!(count("init vault-user"), 4);
    assert_eq!(count("cleanup vault-user"), 4);
    assert_eq!(count("drop vault-user"), 4);
    assert_eq!(count("cleanup vault-panicker"), 0);
    assert_eq!(count("drop vault-panicker"), 1);
    assert_eq!(count("drop vault-breaker"), 0);
    assert_eq!(count("cleanup audit-vault"), 4);
    // On failure too, the linked module is cleaned up after the dynamic ones.
    assert_eq!(
        lines[lines.len() - 6..],
        [
            "create vault-panicker [vault-user]",
            "init vault-panicker",
            "drop vault-panicker",
            "cleanup vault-user",
            "drop vault-user",
            "cleanup audit-vault"
        ]
    );
    Ok(())
}

/// A linked dependency that fails to boot: `RegistryError::Boot`, and no dynamic module is
/// built at all.
#[test]
fn a_failing_linked_dependency_builds_nothing_dynamic() {
    let log = Log::default();
    let registry = ModuleRegistry::new();
    registry
        .register(p("flaky-user").dep("audit-flaky").config(&log))
        .unwrap();
    registry
        .register(p("flaky-root").dep("flaky-user").config(&log))
        .unwrap();
    let err = registry.create("flaky-root").unwrap_err();
    assert!(matches!(err, RegistryError::Boot { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with("module \"flaky-root\": its statically linked modules failed to boot: "),
        "{text}"
    );
    assert!(text.contains("audit-flaky"), "{text}");
    assert!(err.source().is_some());
    assert!(entries(&log).is_empty(), "{:?}", entries(&log));
    // The linked module alone fails the same way.
    assert!(matches!(
        registry.create("audit-flaky"),
        Err(RegistryError::Boot { .. })
    ));
}

/// A diamond whose second branch fails, each way it can fail: everything already initialized
/// is cleaned up once, in reverse creation order; every built module is dropped once; the
/// error names the module, the stage and the path from the root.
#[test]
fn a_failure_midway_unwinds_a_diamond_in_reverse_exactly_once() -> Result<(), Box<dyn Error>> {
    for (how, stage, message) in [
        ("create error", Stage::Create, "b create failed"),
        ("create panic", Stage::Create, "panicked: b create failed"),
        ("init error", Stage::Initialize, "b init failed"),
        ("init panic", Stage::Initialize, "panicked: b init failed"),
    ] {
        let log = Log::default();
        let registry = ModuleRegistry::empty();
        let mut b = p("b").dep("c");
        b = match how {
            "create error" => b.create(Fail::Error),
            "create panic" => b.create(Fail::Panic),
            "init error" => b.init(Fail::Error),
            _ => b.init(Fail::Panic),
        };
        registry.register(p("c").cleanup(Fail::Error).config(&log))?;
        registry.register(p("a").dep("c").cleanup(Fail::Panic).config(&log))?;
        registry.register(b.config(&log))?;
        registry.register(p("unrelated").config(&log))?;
        registry.register(p("r").dep("a").dep("b").config(&log))?;
        let err = registry.create("r").unwrap_err();
        let RegistryError::Failed {
            module,
            stage: got_stage,
            path,
            error,
            cleanup,
        } = &err
        else {
            panic!("{how}: {err}")
        };
        assert_eq!(
            (module.as_str(), *got_stage, path.clone(), error.to_string()),
            (
                "b",
                stage,
                vec!["r".to_owned(), "b".to_owned()],
                message.to_owned()
            ),
            "{how}"
        );
        let cleanup: Vec<(String, String)> = cleanup
            .iter()
            .map(|(m, e)| (m.clone(), e.to_string()))
            .collect();
        assert_eq!(
            cleanup,
            [
                ("a".to_owned(), "panicked: a cleanup failed".to_owned()),
                ("c".to_owned(), "c cleanup failed".to_owned()),
            ],
            "{how}"
        );
        assert_eq!(
            err.to_string(),
            format!("module \"b\" failed in {stage}: {message} (dependency path: r -> b)")
        );
        let mut want = vec![
            "create c []",
            "init c",
            "create a [c]",
            "init a",
            "create b [c]",
        ];
        if stage == Stage::Initialize {
            want.extend(["init b", "drop b"]);
        }
        want.extend(["cleanup a", "drop a", "cleanup c", "drop c"]);
        assert_eq!(entries(&log), want, "{how}");
        // The registry is still usable, and `b`'s siblings still build.
        let a = registry.create("a")?;
        assert_eq!(a.process(b"")?, b"|c|a");
    }
    Ok(())
}

/// A module whose metadata panics (a `todo!()` left in `module_type`) while `create` validates
/// it: SPEC §7 "A failure or panic in `create`/`initialize` stops the boot ... every module
/// already initialized is cleaned up ... Nothing leaks", and the crate docs: `create` "cleans
/// up what was built" on failure. The panic should come back as an error, like a panicking
/// factory does.
#[test]
fn a_panic_in_module_metadata_is_an_error_not_an_unwind() {
    struct Unfinished;
    impl DynModule for Unfinished {
        fn name(&self) -> &str {
            "unfinished"
        }
        fn version(&self) -> &str {
            "1.0.0"
        }
        fn module_type(&self) -> ModuleType {
            todo!("pick a kind")
        }
    }
    let log = Log::default();
    let registry = ModuleRegistry::empty();
    registry.register(p("base").config(&log)).unwrap();
    registry
        .register(
            cfg("unfinished", "1.0.0")
                .add_dependency("base")
                .with_factory(|_| Ok(Box::new(Unfinished))),
        )
        .unwrap();
    let outcome = catch_unwind(AssertUnwindSafe(|| registry.create("unfinished").map(drop)));
    // Whatever happened, `base` was cleaned up and dropped exactly once.
    assert_eq!(
        entries(&log),
        ["create base []", "init base", "cleanup base", "drop base"]
    );
    let result = outcome.expect("the panic escaped `create`");
    match result {
        Err(RegistryError::Failed { module, stage, .. }) => {
            assert_eq!((module.as_str(), stage), ("unfinished", Stage::Create));
        }
        other => panic!("expected RegistryError::Failed, got {other:?}"),
    }
}

/// Instantiation strategies are user code too: a panicking `handles` must not unwind through
/// `create` any more than a panicking `instantiate` (which becomes an error) does.
#[test]
fn a_panicking_strategy_is_an_error_not_an_unwind() {
    struct Explodes {
        in_handles: bool,
    }
    impl CustomInstantiationStrategy for Explodes {
        fn instantiate(&self, info: &ModuleInfo) -> Result<Box<dyn DynModule>, RegistryError> {
            panic!("cannot build {}", info.name())
        }
        fn handles(&self, info: &ModuleInfo) -> bool {
            if self.in_handles {
                panic!("cannot judge {}", info.name())
            }
            true
        }
    }
    for in_handles in [false, true] {
        let registry = ModuleRegistry::empty()
            .add_custom_instantiation_strategy(Box::new(Explodes { in_handles }));
        registry.register(cfg("plain", "1.0.0")).unwrap();
        let outcome = catch_unwind(AssertUnwindSafe(|| registry.create("plain").map(drop)));
        let result = outcome
            .unwrap_or_else(|_| panic!("in_handles={in_handles}: the panic escaped `create`"));
        let err = result.unwrap_err();
        assert!(
            err.to_string().contains("cannot "),
            "in_handles={in_handles}: {err}"
        );
    }
}

/// A factory reaches what its module declared and nothing else: not a transitive dependency,
/// not a linked module built for someone else in the same instance, not itself; a declared
/// optional dependency exactly when it is registered; a declared linked one through its
/// `dyn Processor`.
#[test]
fn factories_reach_exactly_their_declared_dependencies() -> Result<(), Box<dyn Error>> {
    type Seen = Arc<Mutex<Vec<(String, Vec<(&'static str, bool)>)>>>;
    let seen: Seen = Arc::default();
    let looking = |name: &'static str, asks: &'static [&'static str], seen: &Seen| {
        let seen = seen.clone();
        move |ctx: &module_registry::dynamic::Dependencies<'_>| -> Result<Box<dyn DynModule>, ModuleError> {
            let answers = asks.iter().map(|a| (*a, ctx.get(a).is_some())).collect();
            seen.lock()
                .unwrap()
                .push((ctx.module_name().to_owned(), answers));
            let deps: Vec<Arc<dyn DynModule>> = asks.iter().filter_map(|a| ctx.get(a)).collect();
            Ok(Box::new(Probe {
                name: name.to_owned(),
                version: "1.0.0".to_owned(),
                kind: ModuleType::Service,
                caps: Vec::new(),
                log: Log::default(),
                deps,
                init: Fail::No,
                cleanup: Fail::No,
            }))
        }
    };
    let all: &'static [&'static str] = &[
        "leaf",
        "mid",
        "audit-upper",
        "opt-here",
        "opt-gone",
        "root",
        "unrelated",
        "",
    ];
    let registry = ModuleRegistry::new();
    registry.register(cfg("leaf", "1.0.0").with_factory(looking("leaf", all, &seen)))?;
    registry.register(cfg("unrelated", "1.0.0").with_factory(looking("unrelated", all, &seen)))?;
    registry.register(
        cfg("mid", "1.0.0")
            .add_dependency("leaf")
            .add_dependency("audit-upper")
            .with_factory(looking("mid", all, &seen)),
    )?;
    registry.register(
        cfg("root", "1.0.0")
            .add_dependency("mid")
            .add_dependency(opt("opt-here"))
            .add_dependency(opt("opt-gone"))
            .with_factory(looking("root", all, &seen)),
    )?;
    registry.register(cfg("opt-here", "1.0.0").with_factory(looking("opt-here", all, &seen)))?;

    let instance = registry.create("root")?;
    assert_eq!(
        instance.modules().collect::<Vec<_>>(),
        ["audit-upper", "leaf", "mid", "opt-here", "root"]
    );
    let seen = seen.lock().unwrap().clone();
    let reached = |module: &str| -> Vec<&str> {
        let (_, answers) = seen.iter().find(|(m, _)| m == module).unwrap();
        answers
            .iter()
            .filter(|(_, got)| *got)
            .map(|(a, _)| *a)
            .collect()
    };
    assert_eq!(reached("leaf"), Vec::<&str>::new());
    assert_eq!(reached("mid"), ["leaf", "audit-upper"]);
    assert_eq!(reached("opt-here"), Vec::<&str>::new());
    assert_eq!(reached("root"), ["mid", "opt-here"]);
    assert!(seen.iter().all(|(m, _)| m != "unrelated"));
    // `mid` passes its input through `leaf` (nothing to add but its name) and the linked
    // uppercaser; `root` through `mid` and `opt-here`.
    assert_eq!(instance.process(b"x")?, b"X|LEAF|mid|opt-here|root");
    // A dependent's calls count in its dependencies' metrics.
    let metrics = instance.metrics();
    let calls: Vec<(&str, u64)> = metrics.iter().map(|m| (m.name.as_str(), m.calls)).collect();
    assert_eq!(
        calls,
        [("leaf", 1), ("mid", 1), ("opt-here", 1), ("root", 1)]
    );
    Ok(())
}

/// Modules without a factory go to the first instantiation strategy that handles them; a
/// factory always wins; a strategy-built dependency is handed to a factory-built dependent;
/// without any way to build a dependency, nothing is built and the error names both modules.
#[test]
fn instantiation_strategies_fill_in_for_missing_factories_in_order() -> Result<(), Box<dyn Error>> {
    struct Named {
        tag: &'static str,
        prefix: &'static str,
        calls: Log,
    }
    impl CustomInstantiationStrategy for Named {
        fn instantiate(&self, info: &ModuleInfo) -> Result<Box<dyn DynModule>, RegistryError> {
            push(
                &self.calls,
                format!(
                    "{} builds {} {} deps={:?}",
                    self.tag,
                    info.name(),
                    info.version(),
                    info.dependencies()
                        .iter()
                        .map(|d| d.name())
                        .collect::<Vec<_>>()
                ),
            );
            Ok(Box::new(Probe {
                name: info.name().to_owned(),
                version: info.version().to_string(),
                kind: info.module_type().clone(),
                caps: Vec::new(),
                log: self.calls.clone(),
                deps: Vec::new(),
                init: Fail::No,
                cleanup: Fail::No,
            }))
        }
        fn handles(&self, info: &ModuleInfo) -> bool {
            info.name().starts_with(self.prefix)
        }
    }
    let calls = Log::default();
    let configs = |log: &Log| {
        vec![
            cfg("ext-base", "0.4.2").with_type(ModuleType::Storage),
            cfg("plain", "1.1.0").add_dependency("ext-base"),
            p("made").dep("plain").dep("ext-base").config(log),
        ]
    };
    let registry = ModuleRegistry::empty()
        .add_custom_instantiation_strategy(Box::new(Named {
            tag: "first",
            prefix: "ext-",
            calls: calls.clone(),
        }))
        .add_custom_instantiation_strategy(Box::new(Named {
            tag: "second",
            prefix: "",
            calls: calls.clone(),
        }));
    for config in configs(&calls) {
        registry.register(config)?;
    }
    let instance = registry.create("made")?;
    assert_eq!(
        instance.modules().collect::<Vec<_>>(),
        ["ext-base", "plain", "made"]
    );
    assert_eq!(instance.get("ext-base").unwrap().version(), "0.4.2");
    assert_eq!(instance.process(b"")?, b"|plain|ext-base|made");
    instance.shutdown()?;
    assert_eq!(
        entries(&calls),
        [
            "first builds ext-base 0.4.2 deps=[]",
            "init ext-base",
            "second builds plain 1.1.0 deps=[\"ext-base\"]",
            "init plain",
            "create made [plain,ext-base]",
            "init made",
            "cleanup made",
            "drop made",
            "cleanup plain",
            "drop plain",
            "cleanup ext-base",
            "drop ext-base",
        ]
    );

    let log = Log::default();
    let bare = ModuleRegistry::empty();
    for config in configs(&log) {
        bare.register(config)?;
    }
    let err = bare.create("made").unwrap_err();
    assert_eq!(
        err.to_string(),
        "module \"ext-base\" has no factory, and no instantiation strategy handles it (needed by \"made\")"
    );
    assert!(entries(&log).is_empty(), "nothing was built");
    Ok(())
}

/// Cleanup at shutdown: reverse creation order, past failures and panics, each reported once
/// in order; dropping after an explicit shutdown does nothing more; with initialization off,
/// neither hook runs.
#[test]
fn shutdown_continues_past_failures_and_runs_once() -> Result<(), Box<dyn Error>> {
    let log = Log::default();
    let registry = ModuleRegistry::empty();
    registry.register(p("low").cleanup(Fail::Error).config(&log))?;
    registry.register(p("mid").dep("low").cleanup(Fail::Panic).config(&log))?;
    registry.register(p("top").dep("mid").config(&log))?;
    let instance = registry.create("top")?;
    log.lock().unwrap().clear();
    let err = instance.shutdown().unwrap_err();
    assert_eq!(
        err.to_string(),
        "instance of module \"top\": 2 module(s) failed to clean up: \"mid\": panicked: mid cleanup failed; \"low\": low cleanup failed"
    );
    assert_eq!(
        entries(&log),
        [
            "cleanup top",
            "drop top",
            "cleanup mid",
            "drop mid",
            "cleanup low",
            "drop low"
        ]
    );

    log.lock().unwrap().clear();
    drop(registry.create("top")?);
    assert_eq!(
        entries(&log),
        [
            "create low []",
            "init low",
            "create mid [low]",
            "init mid",
            "create top [mid]",
            "init top",
            "cleanup top",
            "drop top",
            "cleanup mid",
            "drop mid",
            "cleanup low",
            "drop low"
        ]
    );

    log.lock().unwrap().clear();
    let off = InstantiationConfig::new().with_initialization(false);
    registry.create_with("top", &off)?.shutdown()?;
    assert_eq!(
        entries(&log),
        [
            "create low []",
            "create mid [low]",
            "create top [mid]",
            "drop top",
            "drop mid",
            "drop low"
        ]
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Discovery.

/// The reference: a pattern without `*` is a substring; with `*`, it must match the whole name,
/// `*` standing for any run of characters.
fn reference_match(pattern: &str, name: &str) -> bool {
    fn glob(p: &[u8], n: &[u8]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some((b'*', rest)) => (0..=n.len()).any(|i| glob(rest, &n[i..])),
            Some((c, rest)) => n.first() == Some(c) && glob(rest, &n[1..]),
        }
    }
    if pattern.contains('*') {
        glob(pattern.as_bytes(), name.as_bytes())
    } else {
        name.contains(pattern)
    }
}

fn tiny_rng(mut state: u64) -> impl FnMut(u64) -> u64 {
    move |n| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    }
}

/// Name patterns and type filters over registries small and large (answers past 64, sorted
/// through the cached order), against a reference glob, with names built to trip greedy
/// matchers (`aba`, `ab-ab`, repeated words).
#[test]
fn discover_matches_a_reference_glob_on_small_and_large_registries() -> Result<(), Box<dyn Error>> {
    let words = ["a", "ab", "aba", "b", "data", "processor", "store", "x1"];
    let kinds = [
        ModuleType::DataProcessor,
        ModuleType::Storage,
        ModuleType::custom("x"),
        ModuleType::custom("y"),
        ModuleType::Service,
    ];
    let mut all_names = BTreeSet::new();
    for a in words {
        all_names.insert(a.to_owned());
        for b in words {
            all_names.insert(format!("{a}-{b}"));
            for c in ["a", "aba", "processor"] {
                all_names.insert(format!("{a}-{b}-{c}"));
            }
        }
    }
    let all_names: Vec<String> = all_names.into_iter().collect();
    let mut next = tiny_rng(0x9e37_79b9_7f4a_7c15);
    let mut order: Vec<usize> = (0..all_names.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, next(i as u64 + 1) as usize);
    }
    let patterns = [
        "",
        "*",
        "**",
        "a",
        "ab",
        "aba",
        "-",
        "processor",
        "data-*",
        "*-processor",
        "*a*",
        "a*a",
        "ab*ba",
        "aba*aba",
        "*ab*ab*",
        "a*",
        "*a",
        "d*r",
        "*-*-*",
        "proc*sor",
        "b*b*b",
        "a-*",
        "*-a",
        "x*",
        "*x",
        "x1",
        "data-processor",
        "*data-processor*",
        "*-ab-*",
        "a*-a",
        "nothing",
        "*nothing*",
    ];
    for size in [40, all_names.len()] {
        let registry = ModuleRegistry::empty();
        let mut kind_of = HashMap::new();
        for &i in order.iter().take(size) {
            let kind = kinds[i % kinds.len()].clone();
            kind_of.insert(all_names[i].as_str(), kind.clone());
            registry.register(cfg(&all_names[i], "1.0.0").with_type(kind))?;
        }
        // Twice: the second time the cached name order exists.
        for _ in 0..2 {
            for pattern in patterns {
                for filter in std::iter::once(None).chain(kinds.iter().map(Some)) {
                    let mut query = DiscoveryQuery::new().with_name_pattern(pattern);
                    if let Some(kind) = filter {
                        query = query.with_type_filter(kind.clone());
                    }
                    let got = registry.discover(&query)?;
                    let mut want: Vec<&str> = kind_of
                        .iter()
                        .filter(|(n, k)| {
                            reference_match(pattern, n) && filter.is_none_or(|f| f == *k)
                        })
                        .map(|(n, _)| *n)
                        .collect();
                    want.sort_unstable();
                    assert_eq!(names(&got), want, "size {size}, {pattern:?}, {filter:?}");
                    assert!(got.iter().all(|m| query.matches(m)));
                }
            }
        }
    }
    Ok(())
}

/// The same modules registered in three orders give the same capability answers, equal to
/// the reference (score, then name), for small and large answers, before and after the
/// cached name order exists, and after registrations invalidate it.
#[test]
fn capability_ranking_does_not_depend_on_registration_order_or_size() -> Result<(), Box<dyn Error>>
{
    let caps = ["c0", "c1", "c2", "c3", "c4", "c5"];
    let mut next = tiny_rng(0x1234_5678_9abc_def1);
    let mut modules: Vec<(String, Vec<&str>)> = (0..1000)
        .map(|i| {
            let name = format!("mod-{:04}", (i * 7919) % 10000);
            let mine = caps.iter().copied().filter(|_| next(2) == 0).collect();
            (name, mine)
        })
        .collect();
    let register = |registry: &ModuleRegistry, list: &[(String, Vec<&str>)]| {
        for (name, mine) in list {
            let mut config = cfg(name, "1.0.0");
            for c in mine {
                config = config.add_capability(*c);
            }
            registry.register(config).unwrap();
        }
    };
    let forward = ModuleRegistry::empty();
    register(&forward, &modules);
    let backward = ModuleRegistry::empty();
    modules.reverse();
    register(&backward, &modules);
    let shuffled = ModuleRegistry::empty();
    for i in (1..modules.len()).rev() {
        modules.swap(i, next(i as u64 + 1) as usize);
    }
    register(&shuffled, &modules);

    let mut queries = Vec::new();
    for _ in 0..60 {
        let pick = |next: &mut dyn FnMut(u64) -> u64| -> Vec<&str> {
            (0..next(4))
                .map(|_| caps[next(caps.len() as u64) as usize])
                .collect()
        };
        queries.push(
            CapabilityQuery::new()
                .with_required_capabilities(pick(&mut next))
                .with_optional_capabilities(pick(&mut next)),
        );
    }
    let check = |registries: &[&ModuleRegistry]| -> Result<(), Box<dyn Error>> {
        let all = registries[0].modules();
        for query in &queries {
            let mut want: Vec<(Reverse<usize>, &str)> = all
                .iter()
                .filter_map(|m| Some((Reverse(query.score(m)?), m.name())))
                .collect();
            want.sort_unstable();
            let want: Vec<&str> = want.into_iter().map(|(_, n)| n).collect();
            for registry in registries {
                let got = registry.discover_capabilities(query)?;
                assert_eq!(names(&got), want, "{query:?}");
            }
        }
        Ok(())
    };
    check(&[&forward, &backward, &shuffled])?;
    // Build the cached order with a large answer, then ask everything again.
    for registry in [&forward, &backward, &shuffled] {
        assert_eq!(registry.discover(DiscoveryQuery::new())?.len(), 1000);
    }
    check(&[&forward, &backward, &shuffled])?;
    // New names sorting first and last invalidate the order.
    for registry in [&forward, &backward, &shuffled] {
        for name in ["aaa", "zzz", "mod-5000-b"] {
            registry.register(cfg(name, "1.0.0").add_capability("c0").add_capability("c5"))?;
        }
    }
    check(&[&forward, &backward, &shuffled])?;
    Ok(())
}

/// Discovery strategies: their finds are merged into name order with the registry's own
/// matches, each name once, the registry's entry winning; the query is passed through; one
/// failing strategy fails the whole discovery.
#[test]
fn discovery_strategies_merge_sorted_without_duplicates() -> Result<(), Box<dyn Error>> {
    struct Catalogue {
        entries: Vec<(&'static str, ModuleType)>,
        asked: Log,
    }
    impl CustomDiscoveryStrategy for Catalogue {
        fn discover(&self, query: &DiscoveryQuery) -> Result<Vec<ModuleInfo>, RegistryError> {
            push(&self.asked, format!("{:?}", query.name_pattern()));
            let mut out = Vec::new();
            for (name, kind) in &self.entries {
                let info = ModuleInfo::from_config(
                    cfg(name, "0.0.1")
                        .with_type(kind.clone())
                        .add_capability("ext"),
                )?;
                if query.matches(&info) {
                    out.push(info);
                }
            }
            Ok(out)
        }
    }
    struct Down;
    impl CustomDiscoveryStrategy for Down {
        fn discover(&self, _: &DiscoveryQuery) -> Result<Vec<ModuleInfo>, RegistryError> {
            Err(RegistryError::strategy("catalogue", "offline"))
        }
    }
    let asked = Log::default();
    let dp = ModuleType::DataProcessor;
    let first = Catalogue {
        entries: vec![
            ("zeta-ext", dp.clone()),
            ("alpha-ext", dp.clone()),
            ("shared-ext", dp.clone()),
            ("local", dp.clone()),
        ],
        asked: asked.clone(),
    };
    let second = Catalogue {
        entries: vec![
            ("shared-ext", dp.clone()),
            ("beta-ext", dp.clone()),
            ("kept-out", ModuleType::Storage),
            ("local", ModuleType::Storage),
        ],
        asked: asked.clone(),
    };
    let registry = ModuleRegistry::empty()
        .add_custom_discovery_strategy(Box::new(first))
        .add_custom_discovery_strategy(Box::new(second));
    registry.register(cfg("local", "1.0.0").with_type(ModuleType::Service))?;
    for i in 0..100 {
        registry.register(cfg(&format!("m-{i:03}-ext"), "1.0.0").with_type(dp.clone()))?;
    }
    let found = registry.discover(
        DiscoveryQuery::new()
            .with_name_pattern("ext")
            .with_type_filter(dp.clone()),
    )?;
    let mut want: Vec<String> = (0..100).map(|i| format!("m-{i:03}-ext")).collect();
    want.extend(["zeta-ext", "alpha-ext", "shared-ext", "beta-ext"].map(str::to_owned));
    want.sort();
    assert_eq!(names(&found), want);
    assert_eq!(entries(&asked), ["Some(\"ext\")", "Some(\"ext\")"]);
    // "local" is registered (as a Service): the catalogues' "local" is left out, even though
    // the registry's own "local" does not match a DataProcessor filter.
    let found = registry.discover(DiscoveryQuery::new().with_name_pattern("local"))?;
    assert_eq!(names(&found), ["local"]);
    assert!(found[0].is_registered());
    assert_eq!(found[0].module_type(), &ModuleType::Service);
    let found = registry.discover(
        DiscoveryQuery::new()
            .with_name_pattern("local")
            .with_type_filter(dp),
    )?;
    assert!(found.is_empty(), "{found:?}");
    // Described modules are not registered: they satisfy no capability query.
    let ext = registry
        .discover_capabilities(CapabilityQuery::new().with_required_capabilities(["ext"]))?;
    assert!(ext.is_empty());

    let failing = ModuleRegistry::empty()
        .add_custom_discovery_strategy(Box::new(Catalogue {
            entries: vec![],
            asked: Log::default(),
        }))
        .add_custom_discovery_strategy(Box::new(Down));
    failing.register(cfg("here", "1.0.0"))?;
    let err = failing.discover(DiscoveryQuery::new()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "strategy failed for module \"catalogue\": offline"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Versions and capabilities.

/// A requirement of any semver shape means the same on a direct edge (checked when the
/// dependent registers) and on a waiting optional edge (checked when the dependency registers
/// later), and both agree with the expectations below, taken from semver's rules (pre-releases
/// match only through a comparator on the same `major.minor.patch` with a pre-release).
/// `validate` agrees with every acceptance.
#[test]
fn every_requirement_shape_means_the_same_on_direct_and_waiting_edges() {
    let versions = [
        "0.0.0",
        "0.0.3",
        "0.2.5",
        "1.0.0",
        "1.2.0",
        "1.2.3",
        "1.2.3-alpha.1",
        "1.2.3-rc.2",
        "1.2.3-rc.10",
        "1.2.3+build.7",
        "1.2.4-beta",
        "1.3.0",
        "2.0.0-0",
        "2.0.0",
        "18446744073709551615.0.0",
    ];
    let requirements = [
        "^1.2",
        "~1.2.3",
        ">=1.2.3, <1.3",
        "1.2.*",
        "1.*",
        "*",
        "x",
        "X",
        " * ",
        "1.x",
        "1.X.x",
        "=1.2.3-alpha.1",
        ">1.2.3-alpha.1",
        "<1.2.3",
        "<=1.2",
        ">1",
        "^0.2.3",
        "^0.0.3",
        "^0",
        "~0",
        "~1",
        "1.2.3-rc.1",
        ">= 1.2.0 , < 2.0.0-0",
        "=1.2.3+build.7",
        "^1.2.3-beta.2",
        "0.0.*",
        "<1.2.3-rc",
        ">=1.2.3-rc.10",
        "~1.2.3-beta",
        "<2, >=1.0.0-alpha",
        "=1.2",
        ">=18446744073709551615",
        "<0.0.1",
        "^1.2.3, ^1.2.4-beta",
        "~1.2.4-alpha",
        ">=2.0.0-0",
    ];
    let expected: &[(&str, &str, bool)] = &[
        ("^1.2", "1.3.0", true),
        ("^1.2", "2.0.0", false),
        ("^1.2", "1.2.3-alpha.1", false),
        ("~1.2.3", "1.2.3+build.7", true),
        ("~1.2.3", "1.3.0", false),
        (">=1.2.3, <1.3", "1.2.4-beta", false),
        ("*", "2.0.0-0", false),
        ("*", "0.0.0", true),
        ("1.X.x", "1.3.0", true),
        ("=1.2.3-alpha.1", "1.2.3-alpha.1", true),
        (">1.2.3-alpha.1", "1.2.3-rc.2", true),
        (">1.2.3-alpha.1", "1.2.4-beta", false),
        ("^0.2.3", "0.2.5", true),
        ("^0.0.3", "0.0.3", true),
        ("^0.0.3", "0.0.0", false),
        ("1.2.3-rc.1", "1.2.3-rc.10", true),
        ("1.2.3-rc.1", "1.2.3", true),
        (">=1.2.3-rc.10", "1.2.3-rc.2", false),
        ("<1.2.3-rc", "1.2.3-alpha.1", true),
        (">= 1.2.0 , < 2.0.0-0", "2.0.0-0", false),
        (">= 1.2.0 , < 2.0.0-0", "1.3.0", true),
        ("=1.2", "1.2.3", true),
        ("=1.2", "1.3.0", false),
        (">=18446744073709551615", "18446744073709551615.0.0", true),
        ("^1.2.3, ^1.2.4-beta", "1.2.4-beta", true),
        ("^1.2.3, ^1.2.4-beta", "1.2.3", false),
        (">=2.0.0-0", "2.0.0-0", true),
    ];
    let outcome = |r: Result<ModuleInfo, RegistryError>| -> Result<(), Vec<&'static str>> {
        r.map(|_| ()).map_err(|e| {
            e.validation_errors()
                .unwrap_or_else(|| panic!("{e}"))
                .iter()
                .map(|f| f.code())
                .collect()
        })
    };
    let mut checked = 0;
    for req in requirements {
        for version in versions {
            let direct = ModuleRegistry::empty();
            direct.register(cfg("dep", version)).unwrap();
            let edge = DependencyConfig::new("dep").with_version_req(req);
            let now = outcome(direct.register(cfg("user", "1.0.0").add_dependency(edge.clone())));
            let now_optional = outcome(
                direct.register(cfg("other", "1.0.0").add_dependency(edge.clone().optional())),
            );
            let waiting = ModuleRegistry::empty();
            waiting
                .register(cfg("user", "1.0.0").add_dependency(edge.clone().optional()))
                .unwrap();
            let later = outcome(waiting.register(cfg("dep", version)));
            assert_eq!(now, later, "{req:?} on {version}: direct vs waiting edge");
            assert_eq!(
                now, now_optional,
                "{req:?} on {version}: required vs optional"
            );
            assert!(
                now.as_ref().is_ok() || now == Err(vec!["MR0003"]),
                "{req:?} {version}: {now:?}"
            );
            direct
                .validate()
                .unwrap_or_else(|e| panic!("{req:?} on {version}: {e}"));
            waiting
                .validate()
                .unwrap_or_else(|e| panic!("{req:?} on {version}: {e}"));
            if let Some(&(_, _, want)) =
                expected.iter().find(|(r, v, _)| *r == req && *v == version)
            {
                assert_eq!(now.is_ok(), want, "{req:?} on {version}");
                checked += 1;
            }
            if let Err(codes) = &now {
                let text = direct
                    .register(cfg("user", "1.0.0").add_dependency(edge))
                    .unwrap_err()
                    .validation_errors()
                    .unwrap()
                    .errors()[0]
                    .to_string();
                assert_eq!(codes, &["MR0003"]);
                let found = direct.get("dep").unwrap().version().to_string();
                assert_eq!(
                    text,
                    format!("module \"user\" requires \"dep\" {req}, but found \"dep\" {found}")
                );
            }
        }
    }
    assert_eq!(checked, expected.len());
}

/// MR0005 counts what registered and linked modules provide, and what the module provides
/// itself; not what a discovery strategy merely describes; a provider that registers later
/// makes the same registration pass.
#[test]
fn required_capabilities_count_registered_linked_and_own_providers_only(
) -> Result<(), Box<dyn Error>> {
    struct Describes;
    impl CustomDiscoveryStrategy for Describes {
        fn discover(&self, _: &DiscoveryQuery) -> Result<Vec<ModuleInfo>, RegistryError> {
            Ok(vec![ModuleInfo::from_config(
                cfg("elsewhere", "1.0.0").add_capability("encryption"),
            )?])
        }
    }
    let registry = ModuleRegistry::new().add_custom_discovery_strategy(Box::new(Describes));
    assert_eq!(
        names(&registry.discover(DiscoveryQuery::new().with_name_pattern("elsewhere"))?),
        ["elsewhere"]
    );
    let needy = || {
        cfg("needy", "1.0.0")
            .add_required_capability("encryption")
            .add_required_capability("uppercase")
            .add_required_capability("selfmade")
            .add_capability("selfmade")
    };
    let before = snapshot(&registry, &["needy", "encryption"]);
    assert_eq!(
        refusal(&registry, needy()),
        [(
            "MR0005",
            "capability \"encryption\" required by \"needy\" is not provided by any module"
                .to_owned()
        )]
    );
    assert_eq!(snapshot(&registry, &["needy", "encryption"]), before);
    registry.register(cfg("lock", "1.0.0").add_capability("encryption"))?;
    let info = registry.register(needy())?;
    assert_eq!(
        info.required_capabilities().collect::<Vec<_>>(),
        ["encryption", "uppercase", "selfmade"]
    );
    registry.validate()?;
    Ok(())
}

/// Errors are `Send + Sync + 'static` `std::error::Error`s (SPEC §4), the registry and its
/// instances can be shared between threads, and `Display` names the module.
#[test]
fn errors_and_handles_are_thread_safe_and_name_the_module() -> Result<(), Box<dyn Error>> {
    fn thread_safe<T: Send + Sync + 'static>() {}
    thread_safe::<RegistryError>();
    thread_safe::<ModuleRegistry>();
    thread_safe::<ModuleInstance>();
    thread_safe::<ModuleInfo>();
    thread_safe::<ModuleConfig>();
    let registry = ModuleRegistry::empty();
    let err = registry.create("nope").unwrap_err();
    assert_eq!(err.to_string(), "module \"nope\" is not in the registry");
    let boxed: Box<dyn Error + Send + Sync> = Box::new(err);
    assert!(boxed.source().is_none());

    let log = Log::default();
    registry.register(p("shared").config(&log))?;
    let instance = registry.create("shared")?;
    let outputs: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4u8)
            .map(|i| {
                let instance = &instance;
                s.spawn(move || instance.process(&[b'0' + i]).unwrap())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(outputs[3], b"3|shared");
    assert_eq!(instance.metrics()[0].calls, 4);
    let failed = {
        registry.register(p("broken").create(Fail::Error).config(&log))?;
        registry.create("broken").unwrap_err()
    };
    assert_eq!(
        failed.source().map(ToString::to_string).as_deref(),
        Some("broken create failed")
    );
    Ok(())
}

static KEEPER_INIT: AtomicUsize = AtomicUsize::new(0);
static KEEPER_CLEANUP: AtomicUsize = AtomicUsize::new(0);

/// A linked module with counting hooks, for `a_leaked_dependency_is_reported_at_shutdown`.
#[derive(Module, Default)]
#[module(name = "audit-keeper", version = "1.0.0", lifecycle)]
struct AuditKeeper;

impl Lifecycle for AuditKeeper {
    fn initialize(&mut self) -> Result<(), ModuleError> {
        KEEPER_INIT.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        KEEPER_CLEANUP.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// A factory that keeps a clone of a dependency somewhere else: the dependency cannot be cleaned
/// up with the instance, and `shutdown` (which "reports them all") says so, for a dynamic
/// dependency and for a linked one alike (the crate docs: "that dependency's cleanup is skipped
/// and reported").
#[test]
fn a_leaked_dependency_is_reported_at_shutdown() -> Result<(), Box<dyn Error>> {
    static STASH: Mutex<Vec<Arc<dyn DynModule>>> = Mutex::new(Vec::new());
    let log = Log::default();
    let registry = ModuleRegistry::new();
    registry.register(p("held").config(&log))?;
    for (name, dep) in [("hoarder", "held"), ("linked-hoarder", "audit-keeper")] {
        registry.register(
            cfg(name, "1.0.0")
                .add_dependency(dep)
                .with_factory(move |ctx| {
                    STASH.lock().unwrap().push(ctx.get(dep).ok_or("missing")?);
                    Ok(Box::new(Probe {
                        name: name.to_owned(),
                        version: "1.0.0".to_owned(),
                        kind: ModuleType::Service,
                        caps: Vec::new(),
                        log: Log::default(),
                        deps: Vec::new(),
                        init: Fail::No,
                        cleanup: Fail::No,
                    }))
                }),
        )?;
    }
    let err = registry.create("hoarder")?.shutdown().unwrap_err();
    assert!(
        err.to_string().contains("\"held\": cannot run cleanup"),
        "{err}"
    );

    let instance = registry.create("linked-hoarder")?;
    assert_eq!(KEEPER_INIT.load(Ordering::SeqCst), 1);
    let result = instance.shutdown();
    let cleaned = KEEPER_CLEANUP.load(Ordering::SeqCst);
    STASH.lock().unwrap().clear();
    match result {
        Err(e) => {
            assert!(e.to_string().contains("audit-keeper"), "{e}");
            assert_eq!(cleaned, 0, "reported as skipped, yet cleaned up");
            // Dropping the leaked handle (the stash, cleared above) shuts the linked modules
            // down, exactly once.
            assert_eq!(KEEPER_CLEANUP.load(Ordering::SeqCst), 1);
        }
        Ok(()) => assert_eq!(
            cleaned, 1,
            "shutdown said Ok but audit-keeper was not cleaned up"
        ),
    }
    Ok(())
}

/// Waiting edges at scale: hundreds of modules wait for names that register later in a
/// shuffled order, several per name, some with requirements; candidates that would close a
/// cycle or fail a requirement are refused first (on a large registry whose cached name order
/// exists, which must survive the refusal). Afterwards every waiting edge resolved.
#[test]
fn waiting_edges_at_scale_resolve_after_interleaved_refusals() -> Result<(), Box<dyn Error>> {
    const WAITERS: usize = 400;
    const TARGETS: usize = 53;
    let log = Log::default();
    let registry = ModuleRegistry::empty();
    for i in 0..WAITERS {
        let mut t = opt(&format!("t-{:02}", i % TARGETS));
        if i % 3 == 0 {
            t = t.with_version_req("^1");
        }
        registry.register(
            p(&format!("w-{i:03}"))
                .dep(t)
                .dep(opt(&format!("u-{i:03}")))
                .config(&log),
        )?;
    }
    let mut next = tiny_rng(0xdead_beef_cafe_f00d);
    let mut later: Vec<String> = (0..TARGETS)
        .map(|t| format!("t-{t:02}"))
        .chain((0..WAITERS).map(|i| format!("u-{i:03}")))
        .collect();
    for i in (1..later.len()).rev() {
        later.swap(i, next(i as u64 + 1) as usize);
    }
    for (step, name) in later.iter().enumerate() {
        let probes = [name.as_str(), "t-00", "w-000"];
        let before = (step % 8 == 0).then(|| snapshot(&registry, &probes));
        if name.starts_with("t-") {
            // Every target has a waiter that requires ^1 (53 and 3 are coprime).
            let got = refusal(&registry, p(name).version("2.0.0").config(&log));
            assert!(got.iter().all(|f| f.0 == "MR0003"), "{got:?}");
        } else {
            let i = &name[2..];
            let got = refusal(&registry, p(name).dep(format!("w-{i}")).config(&log));
            assert_eq!(
                got,
                [(
                    "MR0001",
                    format!("dependency cycle: {name} -> w-{i} -> {name}")
                )]
            );
        }
        // The answers are the same as before the refusal, including those that follow the
        // cached name order the snapshot's large queries built.
        if let Some(before) = before {
            assert_eq!(snapshot(&registry, &probes), before, "{name}");
        }
        registry.register(p(name).version("1.5.0").config(&log))?;
    }
    registry.validate()?;
    assert_eq!(registry.len(), WAITERS + TARGETS + WAITERS);
    for i in 0..WAITERS {
        let instance = registry.create(&format!("w-{i:03}"))?;
        assert_eq!(
            instance.modules().collect::<Vec<_>>(),
            [
                format!("t-{:02}", i % TARGETS),
                format!("u-{i:03}"),
                format!("w-{i:03}")
            ],
        );
    }
    Ok(())
}

/// A plugin loader as a discovery strategy: it registers the plugins it finds, then returns
/// them. The answer must hold each plugin once (registered or described), never drop it.
#[test]
fn a_strategy_that_registers_what_it_finds_is_not_dropped_from_the_answer() {
    static REGISTRY: OnceLock<ModuleRegistry> = OnceLock::new();
    struct Loader;
    impl CustomDiscoveryStrategy for Loader {
        fn discover(&self, query: &DiscoveryQuery) -> Result<Vec<ModuleInfo>, RegistryError> {
            let registry = REGISTRY.get().expect("set before discovering");
            let mut out = Vec::new();
            for name in ["plugin-one", "plugin-two"] {
                let info = match registry.get(name) {
                    Some(info) => info,
                    None => registry.register(cfg(name, "1.0.0"))?,
                };
                if query.matches(&info) {
                    out.push(info);
                }
            }
            Ok(out)
        }
    }
    let registry = REGISTRY
        .get_or_init(|| ModuleRegistry::empty().add_custom_discovery_strategy(Box::new(Loader)));
    registry.register(cfg("host", "1.0.0")).unwrap();
    let first = registry.discover(DiscoveryQuery::new()).unwrap();
    let second = registry.discover(DiscoveryQuery::new()).unwrap();
    assert_eq!(names(&second), ["host", "plugin-one", "plugin-two"]);
    assert_eq!(names(&first), names(&second));
}

/// Model-based: thousands of random registrations over a small pool of names (so duplicates,
/// waiting edges, requirements and cycles are frequent) are accepted or refused exactly as an
/// independent model of the checks says, with the codes it predicts; `validate` always passes;
/// and `create` builds exactly what the model's resolved edges reach.
#[test]
fn random_registrations_agree_with_an_independent_model() {
    #[derive(Clone, Debug)]
    struct Dep {
        name: String,
        optional: bool,
        major: Option<u64>,
    }
    #[derive(Clone, Debug)]
    struct Node {
        major: u64,
        deps: Vec<Dep>,
        caps: Vec<&'static str>,
    }
    let pool: Vec<String> = (0..12).map(|i| format!("n{i}")).collect();
    let cap_pool = ["k0", "k1", "k2", "processing"];
    let mut next = tiny_rng(0x0bad_cafe_1234_5678);
    let log = Log::default();
    for round in 0..40 {
        let registry = ModuleRegistry::from_registry(&modules![AuditUpper]);
        let mut model: HashMap<String, Node> = HashMap::new();
        model.insert(
            "audit-upper".into(),
            Node {
                major: 2,
                deps: Vec::new(),
                caps: vec!["processing", "uppercase"],
            },
        );
        for step in 0..80 {
            let name = pool[next(pool.len() as u64) as usize].clone();
            let major = 1 + next(3);
            let mut deps = Vec::new();
            for _ in 0..next(4) {
                let target = if next(6) == 0 {
                    "audit-upper".to_owned()
                } else {
                    pool[next(pool.len() as u64) as usize].clone()
                };
                let req = match next(4) {
                    0 => Some(1),
                    1 => Some(2),
                    _ => None,
                };
                deps.push(Dep {
                    name: target,
                    optional: next(3) != 0,
                    major: req,
                });
            }
            let caps: Vec<&'static str> =
                cap_pool.iter().copied().filter(|_| next(3) == 0).collect();
            let requires: Vec<&'static str> =
                cap_pool.iter().copied().filter(|_| next(5) == 0).collect();

            // The model's verdict.
            let mut want: BTreeSet<&str> = BTreeSet::new();
            if model.contains_key(&name) {
                want.insert("MR0004");
            }
            for d in &deps {
                match model.get(&d.name) {
                    Some(t) if d.major.is_some_and(|m| m != t.major) => {
                        want.insert("MR0003");
                    }
                    Some(_) => {}
                    // An edge to itself resolves to the new module, requirement included.
                    None if d.name == name && d.major.is_some_and(|m| m != major) => {
                        want.insert("MR0003");
                    }
                    None if d.name == name || d.optional => {}
                    None => {
                        want.insert("MR0002");
                    }
                }
            }
            if !model.contains_key(&name) {
                for m in model.values() {
                    for d in &m.deps {
                        if d.name == name && d.major.is_some_and(|req| req != major) {
                            want.insert("MR0003");
                        }
                    }
                }
            }
            for r in &requires {
                if !caps.contains(r) && !model.values().any(|m| m.caps.contains(r)) {
                    want.insert("MR0005");
                }
            }
            if !model.contains_key(&name) {
                // A cycle through the new node: does it reach itself?
                let edges = |n: &str| -> Vec<String> {
                    let deps = if n == name { &deps } else { &model[n].deps };
                    deps.iter()
                        .filter(|d| d.name == name || model.contains_key(&d.name))
                        .map(|d| d.name.clone())
                        .collect()
                };
                let mut stack = edges(&name);
                let mut seen = HashSet::new();
                while let Some(n) = stack.pop() {
                    if n == name {
                        want.insert("MR0001");
                        break;
                    }
                    if seen.insert(n.clone()) {
                        stack.extend(edges(&n));
                    }
                }
            }

            let mut config = p(&name).version(&format!("{major}.0.0"));
            for c in &caps {
                config = config.cap(c);
            }
            for d in &deps {
                let mut dc = DependencyConfig::new(d.name.as_str());
                if d.optional {
                    dc = dc.optional();
                }
                if let Some(m) = d.major {
                    dc = dc.with_version_req(format!("^{m}"));
                }
                config = config.dep(dc);
            }
            let mut config = config.config(&log);
            for r in &requires {
                config = config.add_required_capability(*r);
            }
            let got: BTreeSet<&str> = match registry.register(config) {
                Ok(_) => BTreeSet::new(),
                Err(e) => e
                    .validation_errors()
                    .unwrap()
                    .iter()
                    .map(|f| f.code())
                    .collect(),
            };
            assert_eq!(
                got, want,
                "round {round} step {step}: {name} {major} deps={deps:?} caps={caps:?} requires={requires:?}"
            );
            if want.is_empty() {
                model.insert(name, Node { major, deps, caps });
            }
            assert_eq!(registry.len(), model.len());
        }
        registry.validate().unwrap();
        for (name, node) in &model {
            if name == "audit-upper" {
                continue;
            }
            let mut reach = BTreeSet::from([name.as_str()]);
            let mut stack: Vec<&Dep> = node.deps.iter().collect();
            while let Some(d) = stack.pop() {
                if let Some(t) = model.get(&d.name) {
                    if reach.insert(d.name.as_str()) {
                        stack.extend(t.deps.iter());
                    }
                }
            }
            let instance = registry
                .create(name)
                .unwrap_or_else(|e| panic!("round {round}: {name}: {e}"));
            assert_eq!(instance.modules().collect::<BTreeSet<_>>(), reach, "{name}");
        }
    }
}
