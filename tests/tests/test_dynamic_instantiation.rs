//! How `create` builds each module: its factory, which reaches exactly the dependencies its
//! module declared, or else the first instantiation strategy that handles it.

pub mod fixtures {
    pub mod upper;
}

use std::error::Error;
use std::sync::{Arc, Mutex};

use module_registry::dynamic::Dependencies;
use module_registry::{
    CustomInstantiationStrategy, DynModule, ModuleConfig, ModuleError, ModuleInfo, ModuleRegistry,
    ModuleType, RegistryError,
};
use module_registry_tests::probe::{cfg, entries, opt, probe, push, Log, Probe};

type TestResult = Result<(), Box<dyn Error>>;

/// Each factory's module name and, for each name it asked for, whether it got it.
type Seen = Arc<Mutex<Vec<(String, Vec<(&'static str, bool)>)>>>;

/// Every name a factory asks for: declared or not, registered or not, linked, itself, empty.
const ASKS: &[&str] = &[
    "leaf",
    "mid",
    "ascii-upper",
    "opt-here",
    "opt-gone",
    "root",
    "unrelated",
    "",
];

/// A factory that asks its context for every name in [`ASKS`], records the answers in `seen`,
/// and builds a probe over what it got.
fn asking(
    name: &'static str,
    seen: &Seen,
) -> impl Fn(&Dependencies<'_>) -> Result<Box<dyn DynModule>, ModuleError> {
    let seen = seen.clone();
    move |ctx| {
        let answers = ASKS.iter().map(|a| (*a, ctx.get(a).is_some())).collect();
        seen.lock()
            .unwrap()
            .push((ctx.module_name().to_owned(), answers));
        let mut probe = Probe::new(name, &Log::default());
        probe.deps = ASKS.iter().filter_map(|a| ctx.get(a)).collect();
        Ok(Box::new(probe))
    }
}

/// `root` on `mid` and optional `opt-here` (registered last) and `opt-gone` (never); `mid` on
/// `leaf` and the linked `ascii-upper`; `unrelated` beside them.
fn asking_registry(seen: &Seen) -> Result<ModuleRegistry, RegistryError> {
    let registry = ModuleRegistry::new();
    registry.register(cfg("leaf", "1.0.0").with_factory(asking("leaf", seen)))?;
    registry.register(cfg("unrelated", "1.0.0").with_factory(asking("unrelated", seen)))?;
    registry.register(
        cfg("mid", "1.0.0")
            .add_dependency("leaf")
            .add_dependency("ascii-upper")
            .with_factory(asking("mid", seen)),
    )?;
    registry.register(
        cfg("root", "1.0.0")
            .add_dependency("mid")
            .add_dependency(opt("opt-here"))
            .add_dependency(opt("opt-gone"))
            .with_factory(asking("root", seen)),
    )?;
    registry.register(cfg("opt-here", "1.0.0").with_factory(asking("opt-here", seen)))?;
    Ok(registry)
}

/// Not a transitive dependency, not a linked module built for someone else in the same
/// instance, not itself; a declared optional dependency exactly when it is registered; a
/// declared linked one.
#[test]
fn a_factory_reaches_exactly_its_declared_dependencies() -> TestResult {
    let seen: Seen = Arc::default();
    let instance = asking_registry(&seen)?.create("root")?;
    assert_eq!(
        instance.modules().collect::<Vec<_>>(),
        ["ascii-upper", "leaf", "mid", "opt-here", "root"]
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
    assert_eq!(reached("mid"), ["leaf", "ascii-upper"]);
    assert_eq!(reached("opt-here"), Vec::<&str>::new());
    assert_eq!(reached("root"), ["mid", "opt-here"]);
    assert!(seen.iter().all(|(m, _)| m != "unrelated"));
    Ok(())
}

#[test]
fn a_dependent_processes_through_its_dependencies_and_counts_in_their_metrics() -> TestResult {
    let instance = asking_registry(&Seen::default())?.create("root")?;
    // `mid` passes its input through `leaf` (nothing to add but its name) and the linked
    // uppercaser, as a `dyn Processor`; `root` through `mid` and `opt-here`.
    assert_eq!(instance.process(b"x")?, b"X|LEAF|mid|opt-here|root");
    let metrics = instance.metrics();
    let calls: Vec<(&str, u64)> = metrics.iter().map(|m| (m.name.as_str(), m.calls)).collect();
    assert_eq!(
        calls,
        [("leaf", 1), ("mid", 1), ("opt-here", 1), ("root", 1)]
    );
    Ok(())
}

/// Builds a probe for each module whose name starts with `prefix`, logging what it built.
struct Named {
    tag: &'static str,
    prefix: &'static str,
    calls: Log,
}

impl CustomInstantiationStrategy for Named {
    fn instantiate(&self, info: &ModuleInfo) -> Result<Box<dyn DynModule>, RegistryError> {
        let deps: Vec<&str> = info.dependencies().iter().map(|d| d.name()).collect();
        push(
            &self.calls,
            format!(
                "{} builds {} {} deps={deps:?}",
                self.tag,
                info.name(),
                info.version(),
            ),
        );
        let mut probe = Probe::new(info.name(), &self.calls);
        probe.version = info.version().to_string();
        probe.kind = info.module_type().clone();
        Ok(Box::new(probe))
    }
    fn handles(&self, info: &ModuleInfo) -> bool {
        info.name().starts_with(self.prefix)
    }
}

/// `ext-base` and `plain` (on `ext-base`) without factories; `made`, with a factory, on both.
fn configs(log: &Log) -> Vec<ModuleConfig> {
    vec![
        cfg("ext-base", "0.4.2").with_type(ModuleType::Storage),
        cfg("plain", "1.1.0").add_dependency("ext-base"),
        probe("made").dep("plain").dep("ext-base").config(log),
    ]
}

/// A factory always wins; a strategy-built dependency is handed to a factory-built dependent.
#[test]
fn instantiation_strategies_fill_in_for_missing_factories_in_order() -> TestResult {
    let calls = Log::default();
    let strategy = |tag, prefix| {
        let calls = calls.clone();
        Box::new(Named { tag, prefix, calls })
    };
    let registry = ModuleRegistry::empty()
        .add_custom_instantiation_strategy(strategy("first", "ext-"))
        .add_custom_instantiation_strategy(strategy("second", ""));
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
    Ok(())
}

#[test]
fn without_any_way_to_build_a_dependency_nothing_is_built() -> TestResult {
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
