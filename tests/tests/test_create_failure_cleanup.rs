//! `create` and `shutdown` when user code fails: a failure or panic midway (in a factory, an
//! `initialize`, module metadata or an instantiation strategy) is an error, never an unwind,
//! and everything already built is cleaned up once, in reverse order; shutdown goes on past
//! failing cleanups and reports each, and a dependency leaked by a factory.

use std::error::Error;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use module_registry::runtime::Stage;
use module_registry::{
    CustomInstantiationStrategy, DynModule, InstantiationConfig, ModuleInfo, ModuleRegistry,
    ModuleType, RegistryError,
};
use module_registry_tests::probe::{cfg, entries, hoarder, probe, Fail, Log, ProbeConfig, Stash};

type TestResult = Result<(), Box<dyn Error>>;

/// A diamond: `r` on `a` and `b`, both on `c`; `a`'s cleanup panics and `c`'s fails; `b` as
/// given; `unrelated` beside them.
fn diamond(b: ProbeConfig, log: &Log) -> Result<ModuleRegistry, RegistryError> {
    let registry = ModuleRegistry::empty();
    registry.register(probe("c").cleanup(Fail::Error).config(log))?;
    registry.register(probe("a").dep("c").cleanup(Fail::Panic).config(log))?;
    registry.register(b.dep("c").config(log))?;
    registry.register(probe("unrelated").config(log))?;
    registry.register(probe("r").dep("a").dep("b").config(log))?;
    Ok(registry)
}

/// The error names the module, the stage and the path from the root, and reports the failed
/// cleanups of what was already initialized, in reverse creation order.
fn assert_failed_at_b(err: &RegistryError, stage: Stage, message: &str) {
    let RegistryError::Failed {
        module,
        stage: got_stage,
        path,
        error,
        cleanup,
    } = err
    else {
        panic!("{err}")
    };
    assert_eq!(
        (module.as_str(), *got_stage, path.clone(), error.to_string()),
        (
            "b",
            stage,
            vec!["r".to_owned(), "b".to_owned()],
            message.to_owned()
        )
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
        ]
    );
    assert_eq!(
        err.to_string(),
        format!("module \"b\" failed in {stage}: {message} (dependency path: r -> b)")
    );
}

/// Creates the diamond's root with `b` failing: everything already initialized is cleaned up
/// once, in reverse creation order, and every built module is dropped once; afterwards the
/// registry still builds `b`'s siblings.
fn assert_unwinds_in_reverse(b: ProbeConfig, stage: Stage, message: &str) -> TestResult {
    let log = Log::default();
    let registry = diamond(b, &log)?;
    let err = registry.create("r").unwrap_err();
    assert_failed_at_b(&err, stage, message);
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
    assert_eq!(entries(&log), want);
    let a = registry.create("a")?;
    assert_eq!(a.process(b"")?, b"|c|a");
    Ok(())
}

#[test]
fn an_error_in_a_factory_midway_unwinds_a_diamond_in_reverse_once() -> TestResult {
    let b = probe("b").create(Fail::Error);
    assert_unwinds_in_reverse(b, Stage::Create, "b create failed")
}

#[test]
fn a_panic_in_a_factory_midway_unwinds_a_diamond_in_reverse_once() -> TestResult {
    let b = probe("b").create(Fail::Panic);
    assert_unwinds_in_reverse(b, Stage::Create, "panicked: b create failed")
}

#[test]
fn an_error_in_initialize_midway_unwinds_a_diamond_in_reverse_once() -> TestResult {
    let b = probe("b").init(Fail::Error);
    assert_unwinds_in_reverse(b, Stage::Initialize, "b init failed")
}

#[test]
fn a_panic_in_initialize_midway_unwinds_a_diamond_in_reverse_once() -> TestResult {
    let b = probe("b").init(Fail::Panic);
    assert_unwinds_in_reverse(b, Stage::Initialize, "panicked: b init failed")
}

/// A module whose metadata panics (a `todo!()` left in `module_type`) while `create` validates
/// it: the panic comes back as an error, like a panicking factory's, and what was built before
/// is cleaned up.
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
    registry.register(probe("base").config(&log)).unwrap();
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

/// An instantiation strategy that panics in `instantiate`, and also in `handles` if asked to.
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

/// Strategies are user code too: their panics come back from `create` as errors.
fn assert_strategy_panic_is_an_error(in_handles: bool) {
    let registry = ModuleRegistry::empty()
        .add_custom_instantiation_strategy(Box::new(Explodes { in_handles }));
    registry.register(cfg("plain", "1.0.0")).unwrap();
    let outcome = catch_unwind(AssertUnwindSafe(|| registry.create("plain").map(drop)));
    let result =
        outcome.unwrap_or_else(|_| panic!("in_handles={in_handles}: the panic escaped `create`"));
    let err = result.unwrap_err();
    assert!(
        err.to_string().contains("cannot "),
        "in_handles={in_handles}: {err}"
    );
}

#[test]
fn a_panic_in_a_strategy_instantiate_is_an_error_not_an_unwind() {
    assert_strategy_panic_is_an_error(false);
}

#[test]
fn a_panic_in_a_strategy_handles_is_an_error_not_an_unwind() {
    assert_strategy_panic_is_an_error(true);
}

/// `top` on `mid` on `low`; `mid`'s cleanup panics and `low`'s fails.
fn chain(log: &Log) -> Result<ModuleRegistry, RegistryError> {
    let registry = ModuleRegistry::empty();
    registry.register(probe("low").cleanup(Fail::Error).config(log))?;
    registry.register(probe("mid").dep("low").cleanup(Fail::Panic).config(log))?;
    registry.register(probe("top").dep("mid").config(log))?;
    Ok(registry)
}

#[test]
fn shutdown_continues_past_failures_and_panics_and_reports_each_in_order() -> TestResult {
    let log = Log::default();
    let instance = chain(&log)?.create("top")?;
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
    Ok(())
}

#[test]
fn dropping_an_instance_cleans_up_once_in_reverse_creation_order() -> TestResult {
    let log = Log::default();
    drop(chain(&log)?.create("top")?);
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
    Ok(())
}

#[test]
fn with_initialization_off_neither_hook_runs() -> TestResult {
    let log = Log::default();
    let off = InstantiationConfig::new().with_initialization(false);
    chain(&log)?.create_with("top", &off)?.shutdown()?;
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

/// A factory that keeps a clone of a dependency somewhere else: the dependency cannot be
/// cleaned up with the instance, and `shutdown`, which reports every failure, says so.
#[test]
fn a_leaked_dependency_is_reported_at_shutdown() -> TestResult {
    static STASH: Stash = Mutex::new(Vec::new());
    let registry = ModuleRegistry::new();
    registry.register(probe("held").config(&Log::default()))?;
    registry.register(hoarder("hoarder", "held", &STASH))?;
    let err = registry.create("hoarder")?.shutdown().unwrap_err();
    assert!(
        err.to_string().contains("\"held\": cannot run cleanup"),
        "{err}"
    );
    Ok(())
}
