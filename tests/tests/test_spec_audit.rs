//! An audit of SPEC.md as a user reads it: the §3 example as written, every §4 name and
//! signature, the §6 run-time twin's messages, the §7 run-time semantics and the §5 dynamic API,
//! through the public API only. The linked modules of this file form a valid graph, so that
//! `Registry::global()` can be validated and booted as the SPEC shows.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

// SPEC §3, imports as written.
use module_registry::{Context, Lifecycle, Module, ModuleError};
use std::sync::Arc;

// SPEC §4 and §5 names.
use module_registry::dynamic::DependencyConfig;
use module_registry::runtime::{SkipReason, Stage};
use module_registry::{
    modules, BootError, BootPolicy, CapabilityQuery, DiscoveryQuery, Handle, ModuleConfig,
    ModuleDescriptor, ModuleRegistry, ModuleType, Processor, Registry, RegistryError, Runtime,
    ShutdownError, ValidationError, ValidationErrors,
};

// ---------------------------------------------------------------------------------------------
// Allocation counting (SPEC §4 "no lookup, no allocation", §7 "`Registry::global()` allocates
// nothing", §8 "no per-call allocation"). Counted per thread, so parallel tests do not interfere.

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count_one() {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: forwards to the system allocator; the counter is a const-initialized thread local.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: same contract as `GlobalAlloc::alloc`.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: same contract as `GlobalAlloc::alloc_zeroed`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as `GlobalAlloc::dealloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: same contract as `GlobalAlloc::realloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn allocations<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let r = f();
    (r, ALLOCATIONS.with(Cell::get) - before)
}

// ---------------------------------------------------------------------------------------------
// Shared test state.

static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// Every test that boots takes this, so that logs and failure switches do not interleave.
static SERIAL: Mutex<()> = Mutex::new(());

static FAULTY_CREATE: AtomicBool = AtomicBool::new(false);
static FAULTY_INIT: AtomicBool = AtomicBool::new(false);
static BAD_CLEANUP: AtomicBool = AtomicBool::new(false);
static BOXED_FAIL: AtomicBool = AtomicBool::new(false);

fn log(event: impl Into<String>) {
    LOG.lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(event.into());
}

fn take_log() -> Vec<String> {
    std::mem::take(&mut *LOG.lock().unwrap_or_else(|e| e.into_inner()))
}

fn serial() -> std::sync::MutexGuard<'static, ()> {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    FAULTY_CREATE.store(false, Ordering::SeqCst);
    FAULTY_INIT.store(false, Ordering::SeqCst);
    BAD_CLEANUP.store(false, Ordering::SeqCst);
    BOXED_FAIL.store(false, Ordering::SeqCst);
    take_log();
    guard
}

fn names<'a>(it: impl IntoIterator<Item = &'a ModuleDescriptor>) -> Vec<&'a str> {
    it.into_iter().map(|d| d.name()).collect()
}

// ---------------------------------------------------------------------------------------------
// SPEC §3, copied as written (a body for `Storage`, the `CacheApi` trait, `Metrics` and a
// provider of "encryption" are what the SPEC leaves to the reader).

/// What `provides = [dyn CacheApi]` names. Deliberately without `Send + Sync` supertraits: the
/// SPEC does not ask for them.
pub trait CacheApi {
    fn describe(&self) -> String;
}

#[derive(Module, Default)]
#[module(name = "storage", version = "1.2.0", kind = Storage,
         capabilities = ["storage", "persistence"])]
pub struct Storage {/* ... */}

#[derive(Module, Default)]
#[module(kind = Monitoring)]
pub struct Metrics;

#[derive(Module)]
#[module(version = "0.3.1",
         capabilities = ["cache"],
         depends_on = [Storage = "^1.2"],      // a type, optionally `= "semver requirement"`
         optional = [Metrics],                  // booted first if present; absence is fine
         requires = ["encryption"],             // some module must provide this capability
         provides = [dyn CacheApi],             // trait objects other modules can discover
         create = Cache::new,                   // default: Default::default()
         lifecycle)] // this type implements `Lifecycle`
pub struct Cache {
    storage: Arc<Storage>,
    metrics: Option<Arc<Metrics>>,
}

impl Cache {
    fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
        Ok(Cache {
            storage: ctx.dep::<Storage>(),
            metrics: ctx.optional::<Metrics>(),
        })
    }
}

impl Lifecycle for Cache {
    fn initialize(&mut self) -> Result<(), ModuleError> {
        log("init cache");
        Ok(())
    }
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        log("cleanup cache");
        Ok(())
    }
}

impl CacheApi for Cache {
    fn describe(&self) -> String {
        format!(
            "cache over storage@{:p}, metrics: {}",
            Arc::as_ptr(&self.storage),
            self.metrics.is_some()
        )
    }
}

/// Provides the capability `Cache` requires.
#[derive(Module, Default)]
#[module(kind = Security, capabilities = ["encryption"], lifecycle)]
pub struct Crypto;

impl Lifecycle for Crypto {
    fn initialize(&mut self) -> Result<(), ModuleError> {
        log("init crypto");
        Ok(())
    }
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        log("cleanup crypto");
        Ok(())
    }
}

impl Drop for Crypto {
    fn drop(&mut self) {
        log("drop crypto");
    }
}

/// Sorts before `cache` by name but boots after it: `all::<dyn CacheApi>()` is in boot order.
#[derive(Module, Default)]
#[module(name = "a-edge", kind = DataProcessor, depends_on = [Cache],
         provides = [dyn CacheApi, dyn Processor])]
pub struct Edge;

impl CacheApi for Edge {
    fn describe(&self) -> String {
        "edge".to_owned()
    }
}

impl Processor for Edge {
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        Ok(data.iter().rev().copied().collect())
    }
}

#[derive(Module, Default)]
#[module(kind = Network)]
pub struct Net;

#[derive(Module, Default)]
#[module(kind = Custom("scheduler"))]
pub struct Sched;

// ---------------------------------------------------------------------------------------------
// Failure containment (SPEC §7), switched on per test.

#[derive(Module)]
#[module(create = Faulty::new, lifecycle)]
pub struct Faulty;

impl Faulty {
    fn new(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
        log("create faulty");
        if FAULTY_CREATE.load(Ordering::SeqCst) {
            return Err(ModuleError::new("no disk"));
        }
        Ok(Faulty)
    }
}

impl Lifecycle for Faulty {
    fn initialize(&mut self) -> Result<(), ModuleError> {
        log("init faulty");
        if FAULTY_INIT.load(Ordering::SeqCst) {
            return Err(ModuleError::new("disk on fire"));
        }
        Ok(())
    }
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        log("cleanup faulty");
        Ok(())
    }
}

impl Drop for Faulty {
    fn drop(&mut self) {
        log("drop faulty");
    }
}

#[derive(Module, Default)]
#[module(depends_on = [Faulty])]
pub struct Mid;

#[derive(Module, Default)]
#[module(depends_on = [Mid])]
pub struct Root;

/// Sorts before `faulty` by name; its optional dependency still boots first.
#[derive(Module)]
#[module(name = "a-opt-user", optional = [Faulty], create = OptUser::new)]
pub struct OptUser {
    faulty: Option<Arc<Faulty>>,
}

impl OptUser {
    fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
        Ok(OptUser {
            faulty: ctx.optional::<Faulty>(),
        })
    }
}

#[derive(Module, Default)]
#[module(lifecycle)]
pub struct BadA;

impl Lifecycle for BadA {
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        log("cleanup bad-a");
        if BAD_CLEANUP.load(Ordering::SeqCst) {
            return Err(ModuleError::new("a is stuck"));
        }
        Ok(())
    }
}

#[derive(Module, Default)]
#[module(depends_on = [BadA], lifecycle)]
pub struct BadB;

impl Lifecycle for BadB {
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        log("cleanup bad-b");
        if BAD_CLEANUP.load(Ordering::SeqCst) {
            return Err(ModuleError::new("b is stuck"));
        }
        Ok(())
    }
}

/// Returns a boxed error through `?`: `ModuleError` is `From` boxed errors (SPEC §4).
#[derive(Module)]
#[module(create = Boxed::new)]
pub struct Boxed;

impl Boxed {
    fn new(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
        let parsed: Result<u32, Box<dyn std::error::Error + Send + Sync>> =
            if BOXED_FAIL.load(Ordering::SeqCst) {
                "x"
            } else {
                "1"
            }
            .parse::<u32>()
            .map_err(Into::into);
        parsed?;
        Ok(Boxed)
    }
}

// ---------------------------------------------------------------------------------------------
// §3

#[test]
fn spec_section3_example_reads_back_through_the_descriptor() {
    let registry = Registry::global();
    let storage = registry.get::<Storage>().descriptor();
    assert_eq!(storage.name(), "storage");
    assert_eq!(storage.version().to_string(), "1.2.0");
    assert_eq!(*storage.kind(), ModuleType::Storage);
    assert_eq!(storage.capabilities(), ["storage", "persistence"]);

    let cache = registry.get::<Cache>().descriptor();
    assert_eq!(
        cache.name(),
        "cache",
        "default name: kebab-case of the struct"
    );
    assert_eq!(cache.version().to_string(), "0.3.1");
    assert_eq!(*cache.kind(), ModuleType::Service, "default kind");
    assert_eq!(cache.capabilities(), ["cache"]);
    assert_eq!(cache.requires(), ["encryption"]);
    let provides: Vec<String> = cache.provides().iter().map(|p| p.to_string()).collect();
    assert_eq!(provides, ["dyn CacheApi"]);
    let deps: Vec<(String, Option<String>, bool)> = cache
        .dependencies()
        .iter()
        .map(|d| {
            (
                d.name().to_owned(),
                d.version_req().map(|r| r.to_string()),
                d.is_optional(),
            )
        })
        .collect();
    assert_eq!(
        deps,
        [
            ("storage".to_owned(), Some("^1.2".to_owned()), false),
            ("metrics".to_owned(), None, true),
        ]
    );
    assert!(
        cache.type_name().ends_with("Cache"),
        "{}",
        cache.type_name()
    );
    let loc = cache.location();
    assert_eq!(loc.file(), "tests/tests/test_spec_audit.rs");
    let line = include_str!("test_spec_audit.rs")
        .lines()
        .nth(loc.line() as usize - 1)
        .unwrap();
    assert!(line.contains("#[derive(Module)]"), "{line}");
    assert!(loc.column() >= 1);
}

#[test]
fn every_module_type_variant_from_the_attribute() {
    let r = Registry::global();
    assert_eq!(
        *r.get::<Edge>().descriptor().kind(),
        ModuleType::DataProcessor
    );
    assert_eq!(
        *r.get::<Metrics>().descriptor().kind(),
        ModuleType::Monitoring
    );
    assert_eq!(*r.get::<Crypto>().descriptor().kind(), ModuleType::Security);
    assert_eq!(*r.get::<Net>().descriptor().kind(), ModuleType::Network);
    let custom = r.get::<Sched>().descriptor().kind();
    assert_eq!(*custom, ModuleType::Custom("scheduler".into()));
    assert_eq!(custom.to_string(), "scheduler");
}

// ---------------------------------------------------------------------------------------------
// §4

#[test]
fn spec_section4_names_and_signatures() {
    // Each line pins a signature the SPEC writes; a change is a compile error here.
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

    // The SPEC's lines, as written.
    let registry: &'static Registry = Registry::global();
    let h: Handle<Cache> = registry.get::<Cache>();
    let h2 = h; // Copy
    assert_eq!(h.name(), "cache");
    assert_eq!(h2.version().to_string(), "0.3.1");
    assert_eq!(format!("{}", h.version()), "0.3.1");
    assert!(std::ptr::eq(h.descriptor(), Cache::DESCRIPTOR));
    let found: Option<&'static ModuleDescriptor> = registry.find("cache");
    assert!(std::ptr::eq(found.unwrap(), h.descriptor()));
    assert!(registry.find("no-such-module").is_none());
    let all: Vec<&'static ModuleDescriptor> = registry.modules().collect();
    assert_eq!(all.len(), registry.len());
    let mut all_names = names(all.iter().copied());
    all_names.sort_unstable();
    assert_eq!(
        all_names,
        [
            "a-edge",
            "a-opt-user",
            "bad-a",
            "bad-b",
            "boxed",
            "cache",
            "crypto",
            "faulty",
            "metrics",
            "mid",
            "net",
            "root",
            "sched",
            "storage"
        ]
    );
    assert_eq!(names(registry.with_capability("cache")), ["cache"]);
    assert_eq!(names(registry.with_capability("persistence")), ["storage"]);
    assert_eq!(registry.with_capability("teleportation").count(), 0);
    registry.validate().unwrap();
    let order = registry.init_order().unwrap();
    let pos = |n: &str| order.iter().position(|d| d.name() == n).unwrap();
    assert!(pos("storage") < pos("cache"));
    assert!(
        pos("metrics") < pos("cache"),
        "a present optional dependency boots first"
    );
    assert!(pos("cache") < pos("a-edge"));
    assert!(pos("faulty") < pos("a-opt-user"));
}

#[test]
fn init_order_ties_are_broken_by_name() {
    // No edges among these: pure name order, whatever the list order.
    let r = modules![Sched, Net, Metrics, Crypto, Storage];
    assert_eq!(
        names(r.init_order().unwrap()),
        ["crypto", "metrics", "net", "sched", "storage"]
    );
}

#[test]
fn global_boot_injects_and_discovers_in_boot_order() {
    let _serial = serial();
    let registry = Registry::global();
    let runtime = registry.boot().unwrap();
    let cache: &Cache = runtime.get::<Cache>().unwrap();
    let storage: &Storage = runtime.get::<Storage>().unwrap();
    assert!(
        std::ptr::eq(&*cache.storage, storage),
        "ctx.dep shares the instance"
    );
    assert!(std::ptr::eq(
        &**cache.metrics.as_ref().unwrap(),
        runtime.get::<Metrics>().unwrap()
    ));
    // `all` is in boot order: `cache` boots before `a-edge`, though `a-edge` sorts first.
    let described: Vec<String> = runtime
        .all::<dyn CacheApi>()
        .map(|c| c.describe())
        .collect();
    assert_eq!(described.len(), 2);
    assert!(
        described[0].starts_with("cache over storage@"),
        "{described:?}"
    );
    assert!(described[0].ends_with("metrics: true"), "{described:?}");
    assert_eq!(described[1], "edge");
    let p = runtime.processor("a-edge").unwrap();
    assert_eq!(p.process(b"abc").unwrap(), b"cba");
    assert!(
        runtime.processor("cache").is_none(),
        "cache offers no dyn Processor"
    );
    assert!(runtime.processor("nope").is_none());
    runtime.shutdown().unwrap();
}

#[test]
fn runtime_can_move_to_and_be_shared_across_threads() {
    let _serial = serial();
    let runtime = Registry::global()
        .subset([Cache::DESCRIPTOR, Crypto::DESCRIPTOR])
        .boot()
        .unwrap();
    let runtime = std::thread::spawn(move || {
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| assert!(runtime.get::<Cache>().is_some()));
            }
        });
        runtime
    })
    .join()
    .unwrap();
    drop(runtime);
    assert_eq!(
        take_log(),
        [
            "init crypto",
            "init cache",
            "cleanup cache",
            "cleanup crypto",
            "drop crypto"
        ]
    );
}

#[test]
fn lookups_allocate_nothing() {
    let _serial = serial();
    let ((), n) = allocations(|| {
        let registry = Registry::global();
        let h = registry.get::<Cache>();
        assert_eq!(h.name(), "cache");
        assert_eq!(h.descriptor().dependencies().len(), 2);
    });
    assert_eq!(n, 0, "Registry::global() and get::<T>() allocate nothing");

    let registry = Registry::global();
    registry.find("cache").unwrap(); // the table is built on first use
    let (found, n) = allocations(|| registry.find("storage"));
    assert!(found.is_some());
    assert_eq!(n, 0, "find: no per-call allocation");
    registry.with_capability("cache").count();
    let (count, n) = allocations(|| registry.with_capability("storage").count());
    assert_eq!(count, 1);
    assert_eq!(n, 0, "with_capability: no per-call allocation");

    let runtime = registry
        .subset([Cache::DESCRIPTOR, Crypto::DESCRIPTOR])
        .boot()
        .unwrap();
    let (got, n) = allocations(|| runtime.get::<Cache>().is_some());
    assert!(got);
    assert_eq!(n, 0, "runtime.get: no allocation");
    drop(runtime);
}

#[test]
fn error_types_are_send_sync_errors() {
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

    // `From` boxed errors, with and without `Send + Sync`, so `?` works in `create`.
    let boxed: Box<dyn std::error::Error + Send + Sync> = "sendable".into();
    let e: ModuleError = boxed.into();
    assert_eq!(e.to_string(), "sendable");
    let boxed: Box<dyn std::error::Error> = "local".into();
    let e = ModuleError::from(boxed);
    assert_eq!(e.to_string(), "local");
    assert_eq!(ModuleError::new(String::from("owned")).to_string(), "owned");
}

#[test]
fn question_mark_on_a_boxed_error_in_create_fails_the_boot() {
    let _serial = serial();
    BOXED_FAIL.store(true, Ordering::SeqCst);
    let err = Registry::global()
        .subset([Boxed::DESCRIPTOR])
        .boot()
        .unwrap_err();
    let BootError::Failed {
        module,
        stage,
        error,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(*module, "boxed");
    assert_eq!(*stage, Stage::Create);
    assert_eq!(error.to_string(), "invalid digit found in string");
    assert!(err.to_string().contains("\"boxed\""), "{err}");
}

// ---------------------------------------------------------------------------------------------
// §7

#[test]
fn subset_optional_is_in_only_as_root_and_boots_first() {
    let _serial = serial();
    let r = Registry::global();
    // Optional and not a root: left out, and `ctx.optional` is None.
    let s = r.subset([r.get::<OptUser>()]);
    assert_eq!(names(s.modules()), ["a-opt-user"]);
    let rt = s.boot().unwrap();
    assert!(rt.get::<OptUser>().unwrap().faulty.is_none());
    assert!(rt.get::<Faulty>().is_none());
    drop(rt);
    assert!(!take_log().iter().any(|e| e.contains("faulty")));

    // A root too: in, booted first although its name sorts later, and injected.
    let s = r.subset([OptUser::DESCRIPTOR, Faulty::DESCRIPTOR]);
    assert_eq!(names(s.init_order().unwrap()), ["faulty", "a-opt-user"]);
    let rt = s.boot().unwrap();
    assert_eq!(names(rt.modules()), ["faulty", "a-opt-user"]);
    let user = rt.get::<OptUser>().unwrap();
    assert!(std::ptr::eq(
        &**user.faulty.as_ref().unwrap(),
        rt.get::<Faulty>().unwrap()
    ));
    drop(rt);
}

#[test]
fn subset_keeps_required_dependencies_transitively() {
    let r = Registry::global();
    let s = r.subset([r.get::<Root>()]);
    assert_eq!(names(s.init_order().unwrap()), ["faulty", "mid", "root"]);
    assert_eq!(s.len(), 3);
}

#[test]
fn subset_of_a_module_with_requires_boots_when_a_linked_module_provides_it() {
    let _serial = serial();
    let r = Registry::global();
    // SPEC §3: `requires` = "capabilities that some linked module must provide"; Crypto is
    // linked. SPEC §4: subset = "roots + their transitive dependencies".
    let s = r.subset([r.get::<Cache>()]);
    s.validate().unwrap();
    let rt = s.boot().unwrap();
    assert!(rt.get::<Cache>().is_some());
}

#[test]
fn fail_fast_names_module_and_path_and_cleans_up_in_reverse() {
    let _serial = serial();
    FAULTY_CREATE.store(true, Ordering::SeqCst);
    let r = Registry::global();
    let err = r
        .subset([Root::DESCRIPTOR, Crypto::DESCRIPTOR])
        .boot()
        .unwrap_err();
    FAULTY_CREATE.store(false, Ordering::SeqCst);
    let BootError::Failed {
        module,
        stage,
        path,
        error,
        cleanup,
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(*module, "faulty");
    assert_eq!(*stage, Stage::Create);
    assert_eq!(path, &["root", "mid", "faulty"]);
    assert_eq!(error.to_string(), "no disk");
    assert!(cleanup.is_empty());
    let text = err.to_string();
    assert!(text.contains("\"faulty\""), "{text}");
    assert!(text.contains("root -> mid -> faulty"), "{text}");
    assert!(text.contains("no disk"), "{text}");
    // crypto (booted first) is cleaned up and dropped exactly once; nothing else ran.
    assert_eq!(
        take_log(),
        [
            "init crypto",
            "create faulty",
            "cleanup crypto",
            "drop crypto"
        ]
    );
}

#[test]
fn fail_fast_in_initialize_drops_the_failed_instance_once() {
    let _serial = serial();
    FAULTY_INIT.store(true, Ordering::SeqCst);
    let err = Registry::global()
        .subset([Mid::DESCRIPTOR])
        .boot()
        .unwrap_err();
    FAULTY_INIT.store(false, Ordering::SeqCst);
    assert!(
        matches!(
            &err,
            BootError::Failed {
                module: "faulty",
                stage: Stage::Initialize,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("mid -> faulty"), "{err}");
    assert_eq!(
        take_log(),
        ["create faulty", "init faulty", "drop faulty"],
        "not initialized, so not cleaned up; dropped once"
    );
}

#[test]
fn degrade_skips_failed_and_dependents_and_optional_becomes_none() {
    let _serial = serial();
    FAULTY_INIT.store(true, Ordering::SeqCst);
    let r = Registry::global();
    let s = r.subset([OptUser::DESCRIPTOR, Faulty::DESCRIPTOR, Root::DESCRIPTOR]);
    let rt = s.boot_with(BootPolicy::Degrade).unwrap();
    FAULTY_INIT.store(false, Ordering::SeqCst);
    assert_eq!(names(rt.modules()), ["a-opt-user"]);
    // SPEC §7: `ctx.optional::<T>()` is Some exactly when T is booted (degrade: not failed).
    assert!(rt.get::<OptUser>().unwrap().faulty.is_none());
    assert!(rt.get::<Faulty>().is_none());
    assert!(rt.get::<Mid>().is_none() && rt.get::<Root>().is_none());
    let skipped: Vec<&str> = rt.skipped().iter().map(|s| s.module).collect();
    assert_eq!(skipped, ["faulty", "mid", "root"]);
    assert!(matches!(
        &rt.skipped()[0].reason,
        SkipReason::Failed { stage: Stage::Initialize, error } if error.to_string() == "disk on fire"
    ));
    assert!(matches!(
        rt.skipped()[1].reason,
        SkipReason::DependencyDown {
            dependency: "faulty"
        }
    ));
    assert!(matches!(
        rt.skipped()[2].reason,
        SkipReason::DependencyDown { dependency: "mid" }
    ));
    for s in rt.skipped() {
        assert!(s.to_string().contains(s.module), "{s}");
    }
    drop(rt);
    let log = take_log();
    assert_eq!(
        log.iter().filter(|e| *e == "drop faulty").count(),
        1,
        "{log:?}"
    );
    assert!(!log.contains(&"cleanup faulty".to_owned()), "{log:?}");
}

#[test]
fn shutdown_continues_past_failures_and_reports_them_all() {
    let _serial = serial();
    BAD_CLEANUP.store(true, Ordering::SeqCst);
    let rt = Registry::global()
        .subset([BadB::DESCRIPTOR])
        .boot()
        .unwrap();
    assert_eq!(names(rt.modules()), ["bad-a", "bad-b"]);
    let err = rt.shutdown().unwrap_err();
    BAD_CLEANUP.store(false, Ordering::SeqCst);
    let failures: Vec<(&str, String)> = err
        .failures
        .iter()
        .map(|(m, e)| (*m, e.to_string()))
        .collect();
    assert_eq!(
        failures,
        [
            ("bad-b", "b is stuck".to_owned()),
            ("bad-a", "a is stuck".to_owned())
        ]
    );
    let text = err.to_string();
    assert!(text.contains("bad-a") && text.contains("bad-b"), "{text}");
    assert_eq!(
        take_log(),
        ["cleanup bad-b", "cleanup bad-a"],
        "each exactly once"
    );

    // Dropping instead of `shutdown`: the same, once.
    BAD_CLEANUP.store(true, Ordering::SeqCst);
    let rt = Registry::global()
        .subset([BadB::DESCRIPTOR])
        .boot()
        .unwrap();
    drop(rt);
    BAD_CLEANUP.store(false, Ordering::SeqCst);
    assert_eq!(take_log(), ["cleanup bad-b", "cleanup bad-a"]);
}

// ---------------------------------------------------------------------------------------------
// §6, the run-time twin

#[test]
fn boot_of_an_invalid_registry_reports_every_finding_in_its_message() {
    let r = modules![Cache];
    let err = r.boot().unwrap_err();
    let BootError::Invalid(errors) = &err else {
        panic!("{err}")
    };
    let codes: Vec<&str> = errors.iter().map(ValidationError::code).collect();
    assert!(
        codes.contains(&"MR0002") && codes.contains(&"MR0005"),
        "{codes:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("module \"cache\" depends on \"storage\", which is not in the registry"),
        "{text}"
    );
    assert!(
        text.contains(
            "capability \"encryption\" required by \"cache\" is not provided by any module"
        ),
        "{text}"
    );
    assert!(
        text.contains("error[MR0002]") && text.contains("help:"),
        "{text}"
    );
    assert_eq!(r.validate().unwrap_err(), *errors);
}

#[test]
fn missing_dependency_names_the_chain_with_a_location() {
    let errors = modules![Root, Mid].validate().unwrap_err();
    assert_eq!(errors.len(), 1);
    let e = &errors.errors()[0];
    assert_eq!(e.code(), "MR0002");
    assert_eq!(
        e.to_string(),
        "module \"mid\" depends on \"faulty\", which is not in the registry"
    );
    let report = e.report();
    assert!(report.starts_with("error[MR0002]: "), "{report}");
    assert!(
        report.contains("mid needs faulty  (tests/tests/test_spec_audit.rs:"),
        "{report}"
    );
    assert!(report.contains("\n  help: "), "{report}");
}

// ---------------------------------------------------------------------------------------------
// §5, the dynamic registry

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn dynamic_registry_starts_with_linked_modules_and_queries_them() -> TestResult {
    let registry = ModuleRegistry::new();
    assert_eq!(registry.len(), Registry::global().len());
    let storage = registry.discover(DiscoveryQuery::new().with_type_filter(ModuleType::Storage))?;
    assert_eq!(
        storage.iter().map(|m| m.name()).collect::<Vec<_>>(),
        ["storage"]
    );
    let query = DiscoveryQuery::new()
        .with_name_pattern("a-")
        .with_type_filter(ModuleType::DataProcessor);
    let found = registry.discover(query)?;
    assert_eq!(
        found.iter().map(|m| m.name()).collect::<Vec<_>>(),
        ["a-edge"]
    );
    let query = CapabilityQuery::new()
        .with_required_capabilities(vec!["storage"])
        .with_optional_capabilities(vec!["persistence"]);
    let found = registry.discover_capabilities(query)?;
    assert_eq!(
        found.iter().map(|m| m.name()).collect::<Vec<_>>(),
        ["storage"]
    );
    Ok(())
}

#[test]
fn dynamic_refusals_match_the_static_text_and_change_nothing() {
    let registry = ModuleRegistry::new();
    let before = registry.len();

    // Duplicate of a linked module: both locations.
    let err = registry
        .register(
            ModuleConfig::new()
                .with_name("storage")
                .with_version("9.0.0")
                .with_type(ModuleType::Storage),
        )
        .unwrap_err();
    let e = &err.validation_errors().unwrap().errors()[0];
    assert_eq!(e.code(), "MR0004");
    let text = e.to_string();
    assert!(
        text.starts_with("duplicate module name \"storage\""),
        "{text}"
    );
    assert!(
        text.contains(&Storage::DESCRIPTOR.location().to_string()),
        "{text}"
    );
    assert!(err.to_string().contains("storage"), "{err}");

    // Unsatisfied requirement on a linked module: `requires` and both versions.
    let err = registry
        .register(
            ModuleConfig::new()
                .with_name("reader")
                .with_version("1.0.0")
                .add_dependency(DependencyConfig::new("storage").with_version_req("^2")),
        )
        .unwrap_err();
    let e = &err.validation_errors().unwrap().errors()[0];
    assert_eq!(e.code(), "MR0003");
    assert_eq!(
        e.to_string(),
        "module \"reader\" requires \"storage\" ^2, but found \"storage\" 1.2.0"
    );

    // Missing dependency, as the static check words it.
    let err = registry
        .register(
            ModuleConfig::new()
                .with_name("reader")
                .with_version("1.0.0")
                .add_dependency("ghost"),
        )
        .unwrap_err();
    assert_eq!(
        err.validation_errors().unwrap().errors()[0].to_string(),
        "module \"reader\" depends on \"ghost\", which is not in the registry"
    );

    // Capability nobody provides.
    let err = registry
        .register(
            ModuleConfig::new()
                .with_name("reader")
                .with_version("1.0.0")
                .add_required_capability("teleportation"),
        )
        .unwrap_err();
    assert_eq!(
        err.validation_errors().unwrap().errors()[0].to_string(),
        "capability \"teleportation\" required by \"reader\" is not provided by any module"
    );

    assert_eq!(
        registry.len(),
        before,
        "every refusal left the registry unchanged"
    );
    assert!(registry.get("reader").is_none());

    // And the satisfiable version registers, depending on a linked module.
    registry
        .register(
            ModuleConfig::new()
                .with_name("reader")
                .with_version("1.0.0")
                .add_dependency(DependencyConfig::new("storage").with_version_req("^1.2")),
        )
        .unwrap();
    assert_eq!(registry.len(), before + 1);
}

#[test]
fn dynamic_cycle_starts_at_the_smallest_name() {
    let registry = ModuleRegistry::empty();
    registry
        .register(
            ModuleConfig::new()
                .with_name("zeta")
                .with_version("1.0.0")
                .add_dependency(DependencyConfig::new("alpha").optional()),
        )
        .unwrap();
    let err = registry
        .register(
            ModuleConfig::new()
                .with_name("alpha")
                .with_version("1.0.0")
                .add_dependency("zeta"),
        )
        .unwrap_err();
    let e = &err.validation_errors().unwrap().errors()[0];
    assert_eq!(e.code(), "MR0001");
    assert_eq!(e.to_string(), "dependency cycle: alpha -> zeta -> alpha");
    assert!(registry.get("alpha").is_none());
}

#[test]
fn dynamic_create_of_a_linked_module() -> TestResult {
    let _serial = serial();
    let registry = ModuleRegistry::new();
    // A linked module without `requires` in its closure.
    let instance = registry.create("a-opt-user");
    assert!(instance.is_ok(), "{:?}", instance.err());
    Ok(())
}

#[test]
fn dynamic_create_of_a_linked_module_with_requires() -> TestResult {
    let _serial = serial();
    let registry = ModuleRegistry::new();
    let instance = registry.create("a-edge")?;
    assert_eq!(instance.process(b"abc")?, b"cba");
    drop(instance);
    let cache = registry.create("cache")?;
    assert_eq!(cache.name(), "cache");
    Ok(())
}

/// Spellings a user copies from SPEC §4 and the FAQ compile as written and mean what they say.
#[test]
fn spec_and_faq_spellings_compile_as_written() -> Result<(), RegistryError> {
    let _serial = serial();
    let d = Registry::global()
        .find("storage")
        .expect("storage is linked");
    // SPEC §4 `d.kind()`, `d.version()` compared without a `*` or a parse.
    assert_eq!(d.kind(), ModuleType::Storage);
    assert_ne!(d.kind(), ModuleType::Service);
    assert_eq!(d.version(), "1.2.0");
    assert_ne!(d.version(), "1.2.1");
    assert_ne!(d.version(), "not a version");
    assert!("1.2.0" == *d.version());

    // FAQ: capability lists as slices of `&str`, not only `vec![..]` of `String`s.
    let required: &[&str] = &["storage"];
    let query = CapabilityQuery::new()
        .with_required_capabilities(required)
        .with_optional_capabilities(["persistence", "persistence"]);
    assert_eq!(query.optional_capabilities(), ["persistence"]);
    let registry = ModuleRegistry::new();
    let found = registry.discover_capabilities(query)?;
    assert_eq!(found.first().map(|m| m.name()), Some("storage"));

    // FAQ "How do I use a module?": `?` on `create` and on `process` in one function.
    fn run(registry: &ModuleRegistry, data: &[u8]) -> Result<Vec<u8>, RegistryError> {
        let instance = registry.create("a-edge")?;
        let result = instance.process(data)?;
        Ok(result)
    }
    assert_eq!(run(&registry, b"abc")?, b"cba");
    let error: RegistryError = ModuleError::new("bad input").into();
    assert!(matches!(error, RegistryError::Process(_)));
    assert_eq!(error.to_string(), "bad input");
    Ok(())
}

/// `subset(roots)` takes names as well as handles and descriptors; an unknown name adds nothing.
#[test]
fn subset_roots_by_name_handle_or_descriptor_agree() {
    let r = Registry::global();
    let by_name = r.subset(["root", "crypto", "no-such-module"]);
    let by_descriptor = r.subset([Root::DESCRIPTOR, Crypto::DESCRIPTOR]);
    let owned: Vec<String> = vec!["root".into(), "crypto".into()];
    let by_string = r.subset(&owned);
    let expected = ["crypto", "faulty", "mid", "root"];
    assert_eq!(names(by_name.init_order().unwrap()), expected);
    assert_eq!(names(by_descriptor.init_order().unwrap()), expected);
    assert_eq!(names(by_string.init_order().unwrap()), expected);
    assert_eq!(names(r.subset([r.get::<Root>()]).modules()).len(), 3);
    assert_eq!(r.subset(["no-such-module"]).len(), 0);
}

/// SPEC §6: after the headline, one line per hop of the chain that explains why the module is
/// needed, down to the failing edge.
#[test]
fn missing_dependency_explains_why_the_module_is_needed() {
    let errors = modules![Root, Mid].validate().unwrap_err();
    let [ValidationError::MissingDependency {
        module,
        dependency,
        needed_by,
        ..
    }] = errors.errors()
    else {
        panic!("{errors}");
    };
    assert_eq!((module.as_str(), dependency.as_str()), ("mid", "faulty"));
    assert_eq!(needed_by.len(), 1);
    let notes = errors.errors()[0].notes();
    assert!(notes[0].starts_with("root needs mid  ("), "{notes:?}");
    assert!(notes[1].starts_with("mid needs faulty  ("), "{notes:?}");
    let text = errors.to_string();
    let root = text.find("  root needs mid  (").expect(&text);
    let mid = text.find("  mid needs faulty  (").expect(&text);
    assert!(root < mid, "{text}");
}
