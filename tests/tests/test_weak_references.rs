//! A `Weak` to a module does not keep it from its cleanup: shutdown cleans it up and drops it,
//! after which the `Weak` no longer upgrades. A leaked `Arc` does keep it, and the report
//! counts the strong references.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

use module_registry::{
    modules, Context, DynModule, Lifecycle, Module, ModuleConfig, ModuleError, ModuleRegistry,
    ModuleType,
};

#[test]
fn cleanup_runs_for_a_module_only_weak_references_point_to() {
    static CLEANED: AtomicBool = AtomicBool::new(false);
    static WATCHED: Mutex<Option<Weak<Store>>> = Mutex::new(None);

    #[derive(Module, Default)]
    #[module(name = "weakly-held-store", lifecycle)]
    struct Store;
    impl Lifecycle for Store {
        fn cleanup(&mut self) -> Result<(), ModuleError> {
            CLEANED.store(true, Ordering::SeqCst);
            Ok(())
        }
    }

    /// Keeps a `Weak` to the store, and hands one to a watcher that outlives it.
    #[derive(Module)]
    #[module(name = "weak-holder", depends_on = [Store], create = Holder::new)]
    struct Holder {
        _store: Weak<Store>,
    }
    impl Holder {
        fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
            let store = Arc::downgrade(&ctx.dep::<Store>());
            *WATCHED.lock().unwrap() = Some(store.clone());
            Ok(Holder { _store: store })
        }
    }

    let runtime = modules![Store, Holder].boot().unwrap();
    runtime.shutdown().unwrap();
    assert!(CLEANED.load(Ordering::SeqCst));
    let watched = WATCHED.lock().unwrap().take().unwrap();
    assert!(watched.upgrade().is_none());
}

#[test]
fn a_leaked_arc_skips_cleanup_and_is_counted() {
    static LEAKED: Mutex<Option<Arc<Shared>>> = Mutex::new(None);

    #[derive(Module, Default)]
    #[module(name = "strongly-held-store")]
    struct Shared;

    #[derive(Module)]
    #[module(name = "arc-leaker", depends_on = [Shared], create = Leaker::new)]
    struct Leaker;
    impl Leaker {
        fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
            *LEAKED.lock().unwrap() = Some(ctx.dep::<Shared>());
            Ok(Leaker)
        }
    }

    let runtime = modules![Shared, Leaker].boot().unwrap();
    let err = runtime.shutdown().unwrap_err().to_string();
    LEAKED.lock().unwrap().take();
    assert!(err.contains("1 other strong reference(s)"), "{err}");
}

struct Plain {
    name: &'static str,
    cleaned: Option<&'static AtomicBool>,
}

impl DynModule for Plain {
    fn name(&self) -> &str {
        self.name
    }
    fn version(&self) -> &str {
        "1.0.0"
    }
    fn module_type(&self) -> ModuleType {
        ModuleType::Service
    }
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        if let Some(cleaned) = self.cleaned {
            cleaned.store(true, Ordering::SeqCst);
        }
        Ok(())
    }
}

/// Registers `base` (flagging its cleanup in `cleaned`) and `holder`, whose factory gives the
/// `Arc` of `base` to `keep`.
fn registry(
    cleaned: &'static AtomicBool,
    keep: impl Fn(Arc<dyn DynModule>) + Send + Sync + 'static,
) -> ModuleRegistry {
    let registry = ModuleRegistry::empty();
    let base = ModuleConfig::new()
        .with_name("base")
        .with_version("1.0.0")
        .with_factory(move |_| {
            Ok(Box::new(Plain {
                name: "base",
                cleaned: Some(cleaned),
            }))
        });
    let holder = ModuleConfig::new()
        .with_name("holder")
        .with_version("1.0.0")
        .add_dependency("base")
        .with_factory(move |deps| {
            keep(deps.get("base").unwrap());
            Ok(Box::new(Plain {
                name: "holder",
                cleaned: None,
            }))
        });
    registry.register(base).unwrap();
    registry.register(holder).unwrap();
    registry
}

#[test]
fn dynamic_cleanup_runs_for_a_module_only_weak_references_point_to() {
    static CLEANED: AtomicBool = AtomicBool::new(false);
    static WATCHED: Mutex<Option<Weak<dyn DynModule>>> = Mutex::new(None);
    let registry = registry(&CLEANED, |base| {
        *WATCHED.lock().unwrap() = Some(Arc::downgrade(&base));
    });
    registry.create("holder").unwrap().shutdown().unwrap();
    assert!(CLEANED.load(Ordering::SeqCst));
    let watched = WATCHED.lock().unwrap().take().unwrap();
    assert!(watched.upgrade().is_none());
}

#[test]
fn dynamic_leaked_arc_skips_cleanup_and_is_counted() {
    static CLEANED: AtomicBool = AtomicBool::new(false);
    static LEAKED: Mutex<Option<Arc<dyn DynModule>>> = Mutex::new(None);
    let registry = registry(&CLEANED, |base| {
        *LEAKED.lock().unwrap() = Some(base);
    });
    let err = registry.create("holder").unwrap().shutdown().unwrap_err();
    LEAKED.lock().unwrap().take();
    assert!(!CLEANED.load(Ordering::SeqCst));
    assert!(
        err.to_string().contains("1 other strong reference(s)"),
        "{err}"
    );
}
