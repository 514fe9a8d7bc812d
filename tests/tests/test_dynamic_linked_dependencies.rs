//! Linked modules as dependencies of dynamic ones: booted through the static runtime first,
//! cleaned up last and exactly once per instance (shut down, dropped, or failed while being
//! built); a linked dependency that fails to boot builds nothing dynamic; one that a factory
//! leaks is reported at shutdown.

use std::error::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use module_registry::dynamic::DependencyConfig;
use module_registry::runtime::Stage;
use module_registry::{Context, Lifecycle, Module, ModuleError, ModuleRegistry, RegistryError};
use module_registry_tests::probe::{entries, hoarder, probe, push, Fail, Log, Stash};

type TestResult = Result<(), Box<dyn Error>>;

static VAULT_INIT: AtomicUsize = AtomicUsize::new(0);
static VAULT_CLEANUP: AtomicUsize = AtomicUsize::new(0);

/// A linked module whose hooks count and log to [`vault_log`].
#[derive(Module, Default)]
#[module(name = "key-vault", version = "3.1.4", kind = Security,
         capabilities = ["vault"], lifecycle)]
struct KeyVault;

impl Lifecycle for KeyVault {
    fn initialize(&mut self) -> Result<(), ModuleError> {
        VAULT_INIT.fetch_add(1, Ordering::SeqCst);
        push(vault_log(), "init key-vault".to_owned());
        Ok(())
    }
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        VAULT_CLEANUP.fetch_add(1, Ordering::SeqCst);
        push(vault_log(), "cleanup key-vault".to_owned());
        Ok(())
    }
}

/// Where `KeyVault` logs its hooks, shared with the dynamic modules built on it.
fn vault_log() -> &'static Log {
    static LOG: OnceLock<Log> = OnceLock::new();
    LOG.get_or_init(Log::default)
}

/// Taken by every test that creates `key-vault`, so that counts and logs do not interleave;
/// empties the log.
fn vault_test() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    vault_log().lock().unwrap().clear();
    guard
}

/// `(initialize, cleanup)` calls of `key-vault` so far.
fn vault_counts() -> (usize, usize) {
    (
        VAULT_INIT.load(Ordering::SeqCst),
        VAULT_CLEANUP.load(Ordering::SeqCst),
    )
}

/// `vault-user` on `key-vault ^3.1`; `vault-breaker` (fails in `create`) and `vault-panicker`
/// (panics in `initialize`) on `vault-user`.
fn vault_registry() -> Result<ModuleRegistry, RegistryError> {
    let log = vault_log();
    let registry = ModuleRegistry::new();
    registry.register(
        probe("vault-user")
            .dep(DependencyConfig::new("key-vault").with_version_req("^3.1"))
            .config(log),
    )?;
    registry.register(
        probe("vault-breaker")
            .dep("vault-user")
            .create(Fail::Error)
            .config(log),
    )?;
    registry.register(
        probe("vault-panicker")
            .dep("vault-user")
            .init(Fail::Panic)
            .config(log),
    )?;
    Ok(registry)
}

/// How many times `line` was logged.
fn count(line: &str) -> usize {
    entries(vault_log()).iter().filter(|l| *l == line).count()
}

#[test]
fn a_linked_dependency_boots_first_and_is_cleaned_up_last_at_shutdown() -> TestResult {
    let _serial = vault_test();
    let (init, cleanup) = vault_counts();
    let instance = vault_registry()?.create("vault-user")?;
    assert_eq!(vault_counts(), (init + 1, cleanup));
    assert_eq!(
        instance.modules().collect::<Vec<_>>(),
        ["key-vault", "vault-user"]
    );
    assert!(instance.runtime().is_some());
    assert_eq!(instance.get("key-vault").unwrap().version(), "3.1.4");
    instance.shutdown()?;
    assert_eq!(vault_counts(), (init + 1, cleanup + 1));
    // The linked module is cleaned up after its dependent is dropped.
    assert_eq!(
        entries(vault_log()),
        [
            "init key-vault",
            "create vault-user [key-vault]",
            "init vault-user",
            "cleanup vault-user",
            "drop vault-user",
            "cleanup key-vault"
        ]
    );
    Ok(())
}

#[test]
fn dropping_an_instance_cleans_up_its_linked_dependency_once() -> TestResult {
    let _serial = vault_test();
    let (init, cleanup) = vault_counts();
    drop(vault_registry()?.create("vault-user")?);
    assert_eq!(vault_counts(), (init + 1, cleanup + 1));
    assert_eq!(count("init vault-user"), 1);
    assert_eq!(count("cleanup vault-user"), 1);
    assert_eq!(count("drop vault-user"), 1);
    assert_eq!(count("cleanup key-vault"), 1);
    Ok(())
}

#[test]
fn a_dependent_failing_in_create_cleans_up_its_linked_dependency_once() -> TestResult {
    let _serial = vault_test();
    let (init, cleanup) = vault_counts();
    let err = vault_registry()?.create("vault-breaker").unwrap_err();
    assert_eq!(vault_counts(), (init + 1, cleanup + 1), "{err}");
    assert_eq!(
        err.to_string(),
        "module \"vault-breaker\" failed in create: vault-breaker create failed (dependency path: vault-breaker)"
    );
    assert_eq!(count("init vault-user"), 1);
    assert_eq!(count("cleanup vault-user"), 1);
    assert_eq!(count("drop vault-user"), 1);
    assert_eq!(count("drop vault-breaker"), 0, "never built");
    assert_eq!(count("cleanup key-vault"), 1);
    Ok(())
}

#[test]
fn a_dependent_panicking_in_initialize_cleans_up_its_linked_dependency_last() -> TestResult {
    let _serial = vault_test();
    let (init, cleanup) = vault_counts();
    let err = vault_registry()?.create("vault-panicker").unwrap_err();
    assert_eq!(vault_counts(), (init + 1, cleanup + 1), "{err}");
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
    // Not initialized, so not cleaned up; built, so dropped once. The linked module last.
    assert_eq!(count("cleanup vault-panicker"), 0);
    assert_eq!(count("drop vault-panicker"), 1);
    assert_eq!(count("init vault-user"), 1);
    assert_eq!(count("cleanup vault-user"), 1);
    assert_eq!(count("drop vault-user"), 1);
    assert_eq!(count("cleanup key-vault"), 1);
    let lines = entries(vault_log());
    assert_eq!(
        lines[lines.len() - 6..],
        [
            "create vault-panicker [vault-user]",
            "init vault-panicker",
            "drop vault-panicker",
            "cleanup vault-user",
            "drop vault-user",
            "cleanup key-vault"
        ]
    );
    Ok(())
}

/// A linked module whose `create` always fails.
#[derive(Module)]
#[module(name = "flaky-disk", version = "0.1.0", create = FlakyDisk::new)]
struct FlakyDisk;

impl FlakyDisk {
    fn new(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
        Err(ModuleError::new("flaky hardware"))
    }
}

#[test]
fn a_linked_dependency_that_fails_to_boot_builds_nothing_dynamic() {
    let log = Log::default();
    let registry = ModuleRegistry::new();
    registry
        .register(probe("flaky-user").dep("flaky-disk").config(&log))
        .unwrap();
    registry
        .register(probe("flaky-root").dep("flaky-user").config(&log))
        .unwrap();
    let err = registry.create("flaky-root").unwrap_err();
    assert!(matches!(err, RegistryError::Boot { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with("module \"flaky-root\": its statically linked modules failed to boot: "),
        "{text}"
    );
    assert!(text.contains("flaky-disk"), "{text}");
    assert!(err.source().is_some());
    assert!(entries(&log).is_empty(), "{:?}", entries(&log));
    // The linked module alone fails the same way.
    assert!(matches!(
        registry.create("flaky-disk"),
        Err(RegistryError::Boot { .. })
    ));
}

static KEEPER_INIT: AtomicUsize = AtomicUsize::new(0);
static KEEPER_CLEANUP: AtomicUsize = AtomicUsize::new(0);

/// A linked module with counting hooks; only
/// `a_leaked_linked_dependency_is_reported_at_shutdown` creates it.
#[derive(Module, Default)]
#[module(name = "linked-keeper", version = "1.0.0", lifecycle)]
struct LinkedKeeper;

impl Lifecycle for LinkedKeeper {
    fn initialize(&mut self) -> Result<(), ModuleError> {
        KEEPER_INIT.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        KEEPER_CLEANUP.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// A factory that keeps a clone of its linked dependency somewhere else: the dependency cannot
/// be cleaned up with the instance, and `shutdown` reports it as skipped.
#[test]
fn a_leaked_linked_dependency_is_reported_at_shutdown() -> TestResult {
    static STASH: Stash = Mutex::new(Vec::new());
    let registry = ModuleRegistry::new();
    registry.register(hoarder("linked-hoarder", "linked-keeper", &STASH))?;
    let instance = registry.create("linked-hoarder")?;
    assert_eq!(KEEPER_INIT.load(Ordering::SeqCst), 1);
    let result = instance.shutdown();
    let cleaned = KEEPER_CLEANUP.load(Ordering::SeqCst);
    STASH.lock().unwrap().clear();
    match result {
        Err(e) => {
            assert!(e.to_string().contains("linked-keeper"), "{e}");
            assert_eq!(cleaned, 0, "reported as skipped, yet cleaned up");
            // Dropping the leaked handle (the stash, cleared above) shuts the linked modules
            // down, exactly once.
            assert_eq!(KEEPER_CLEANUP.load(Ordering::SeqCst), 1);
        }
        Ok(()) => assert_eq!(
            cleaned, 1,
            "shutdown said Ok but linked-keeper was not cleaned up"
        ),
    }
    Ok(())
}
