//! A panic whose payload panics again when dropped stays inside the registry: `boot`,
//! `shutdown` and the dynamic registry's `create` report it as an error instead of unwinding
//! into the caller.

use std::panic::panic_any;

use module_registry::{
    modules, Context, DynModule, Lifecycle, Module, ModuleConfig, ModuleError, ModuleRegistry,
    ModuleType,
};

/// A panic payload whose `Drop` panics.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("the payload's drop panicked too");
    }
}

/// A payload whose `Drop` panics with a [`Bomb`]: dropping that one would unwind once more.
struct DoubleBomb;

impl Drop for DoubleBomb {
    fn drop(&mut self) {
        panic_any(Bomb);
    }
}

/// A payload whose `Drop` panics with another of its kind, forever: the registry gives up
/// after a few rounds and leaks the last one.
struct Hydra;

impl Drop for Hydra {
    fn drop(&mut self) {
        panic_any(Hydra);
    }
}

#[test]
fn boot_reports_a_create_panic_whose_payload_panics_on_drop() {
    #[derive(Module)]
    #[module(name = "bomb-in-create", create = BombInCreate::new)]
    struct BombInCreate;
    impl BombInCreate {
        fn new(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
            panic_any(Bomb)
        }
    }
    let err = modules![BombInCreate].boot().unwrap_err().to_string();
    assert!(
        err.contains("panicked: a non-string panic payload"),
        "{err}"
    );
}

#[test]
fn boot_reports_an_initialize_panic_whose_payload_panics_on_drop() {
    #[derive(Module, Default)]
    #[module(name = "bomb-in-initialize", lifecycle)]
    struct BombInInitialize;
    impl Lifecycle for BombInInitialize {
        fn initialize(&mut self) -> Result<(), ModuleError> {
            panic_any(Bomb)
        }
    }
    let err = modules![BombInInitialize].boot().unwrap_err().to_string();
    assert!(err.contains("failed in initialize: panicked"), "{err}");
}

#[test]
fn boot_survives_dropping_a_failed_module_whose_drop_panics_so() {
    #[derive(Module, Default)]
    #[module(name = "bomb-in-failed-drop", lifecycle)]
    struct BombInFailedDrop;
    impl Lifecycle for BombInFailedDrop {
        fn initialize(&mut self) -> Result<(), ModuleError> {
            Err(ModuleError::new("refuses to start"))
        }
    }
    impl Drop for BombInFailedDrop {
        fn drop(&mut self) {
            panic_any(Bomb);
        }
    }
    let err = modules![BombInFailedDrop].boot().unwrap_err().to_string();
    assert!(err.contains("refuses to start"), "{err}");
}

#[test]
fn shutdown_reports_a_cleanup_panic_whose_payload_panics_on_drop() {
    #[derive(Module, Default)]
    #[module(name = "bomb-in-cleanup", lifecycle)]
    struct BombInCleanup;
    impl Lifecycle for BombInCleanup {
        fn cleanup(&mut self) -> Result<(), ModuleError> {
            panic_any(Bomb)
        }
    }
    let runtime = modules![BombInCleanup].boot().unwrap();
    let err = runtime.shutdown().unwrap_err().to_string();
    assert!(err.contains("\"bomb-in-cleanup\": panicked"), "{err}");
}

#[test]
fn shutdown_reports_a_drop_panic_whose_payload_panics_on_drop() {
    #[derive(Module, Default)]
    #[module(name = "bomb-in-drop")]
    struct BombInDrop;
    impl Drop for BombInDrop {
        fn drop(&mut self) {
            panic_any(Bomb);
        }
    }
    let runtime = modules![BombInDrop].boot().unwrap();
    let err = runtime.shutdown().unwrap_err().to_string();
    assert!(err.contains("\"bomb-in-drop\": panicked"), "{err}");
}

#[test]
fn a_payload_whose_drop_panics_with_another_such_payload_is_contained() {
    #[derive(Module)]
    #[module(name = "double-bomb", create = DoubleBombModule::new)]
    struct DoubleBombModule;
    impl DoubleBombModule {
        fn new(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
            panic_any(DoubleBomb)
        }
    }
    let err = modules![DoubleBombModule].boot().unwrap_err().to_string();
    assert!(err.contains("panicked"), "{err}");
}

#[test]
fn a_payload_that_keeps_making_new_ones_is_leaked_not_propagated() {
    #[derive(Module)]
    #[module(name = "hydra", create = HydraModule::new)]
    struct HydraModule;
    impl HydraModule {
        fn new(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
            panic_any(Hydra)
        }
    }
    let err = modules![HydraModule].boot().unwrap_err().to_string();
    assert!(err.contains("panicked"), "{err}");
}

/// Where a dynamic module panics with a [`Bomb`].
#[derive(Clone, Copy, PartialEq)]
enum Fault {
    Factory,
    Initialize,
    Cleanup,
    Drop,
    /// Fails validation (wrong version), then panics when dropped.
    MismatchThenDrop,
}

struct Faulty(Fault);

impl DynModule for Faulty {
    fn name(&self) -> &str {
        "faulty"
    }
    fn version(&self) -> &str {
        match self.0 {
            Fault::MismatchThenDrop => "9.9.9",
            _ => "1.0.0",
        }
    }
    fn module_type(&self) -> ModuleType {
        ModuleType::Service
    }
    fn initialize(&mut self) -> Result<(), ModuleError> {
        if self.0 == Fault::Initialize {
            panic_any(Bomb);
        }
        Ok(())
    }
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        if self.0 == Fault::Cleanup {
            panic_any(Bomb);
        }
        Ok(())
    }
}

impl Drop for Faulty {
    fn drop(&mut self) {
        if matches!(self.0, Fault::Drop | Fault::MismatchThenDrop) {
            panic_any(Bomb);
        }
    }
}

fn registry_with(fault: Fault) -> ModuleRegistry {
    let registry = ModuleRegistry::empty();
    let config = ModuleConfig::new()
        .with_name("faulty")
        .with_version("1.0.0")
        .with_factory(move |_| {
            if fault == Fault::Factory {
                panic_any(Bomb);
            }
            Ok(Box::new(Faulty(fault)))
        });
    registry.register(config).unwrap();
    registry
}

fn create_error(fault: Fault) -> String {
    registry_with(fault)
        .create("faulty")
        .unwrap_err()
        .to_string()
}

fn shutdown_error(fault: Fault) -> String {
    let instance = registry_with(fault).create("faulty").unwrap();
    instance.shutdown().unwrap_err().to_string()
}

#[test]
fn dynamic_create_reports_a_factory_panic_whose_payload_panics_on_drop() {
    let err = create_error(Fault::Factory);
    assert!(err.contains("failed in create: panicked"), "{err}");
}

#[test]
fn dynamic_create_reports_an_initialize_panic_whose_payload_panics_on_drop() {
    let err = create_error(Fault::Initialize);
    assert!(err.contains("failed in initialize: panicked"), "{err}");
}

#[test]
fn dynamic_create_survives_dropping_a_mismatched_module_whose_drop_panics_so() {
    let err = create_error(Fault::MismatchThenDrop);
    assert!(err.contains("does not match its registration"), "{err}");
}

#[test]
fn dynamic_shutdown_reports_a_cleanup_panic_whose_payload_panics_on_drop() {
    let err = shutdown_error(Fault::Cleanup);
    assert!(err.contains("\"faulty\": panicked"), "{err}");
}

#[test]
fn dynamic_shutdown_reports_a_drop_panic_whose_payload_panics_on_drop() {
    let err = shutdown_error(Fault::Drop);
    assert!(err.contains("\"faulty\": panicked"), "{err}");
}
