//! Booting, injection, trait-object discovery, shutdown, threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use module_registry::runtime::AuditEvent;
use module_registry::{Context, Lifecycle, Module, ModuleError, Processor, Registry, Runtime};

static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());
static SERIAL: Mutex<()> = Mutex::new(());

fn log(event: impl Into<String>) {
    LOG.lock().unwrap().push(event.into());
}

fn take_log() -> Vec<String> {
    std::mem::take(&mut *LOG.lock().unwrap())
}

pub trait Named: Send + Sync {
    fn label(&self) -> String;
}

#[derive(Module)]
#[module(capabilities = ["storage"], create = Store::new, lifecycle, provides = [dyn Named])]
pub struct Store {
    pub id: usize,
}

static STORES: AtomicUsize = AtomicUsize::new(0);

impl Store {
    fn new(_: &Context<'_, Self>) -> Result<Self, ModuleError> {
        log("create store");
        Ok(Store {
            id: STORES.fetch_add(1, Ordering::SeqCst),
        })
    }
}

impl Lifecycle for Store {
    fn initialize(&mut self) -> Result<(), ModuleError> {
        log("init store");
        Ok(())
    }
    fn cleanup(&mut self) -> Result<(), ModuleError> {
        log("cleanup store");
        Ok(())
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        log("drop store");
    }
}

impl Named for Store {
    fn label(&self) -> String {
        format!("store#{}", self.id)
    }
}

#[derive(Module, Default)]
pub struct Metrics;

#[derive(Module)]
#[module(depends_on = [Store], optional = [Metrics], create = Cache::new, lifecycle,
         provides = [dyn Named, dyn Processor])]
pub struct Cache {
    store: Arc<Store>,
    metrics: Option<Arc<Metrics>>,
}

impl Cache {
    fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
        log("create cache");
        Ok(Cache {
            store: ctx.dep::<Store>(),
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
        Err(ModuleError::new("flush failed"))
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        log("drop cache");
    }
}

impl Named for Cache {
    fn label(&self) -> String {
        format!("cache over {}", self.store.label())
    }
}

impl Processor for Cache {
    fn process(&self, data: &[u8]) -> Result<Vec<u8>, ModuleError> {
        Ok(data.iter().rev().copied().collect())
    }
}

fn boot(roots: &[&'static module_registry::ModuleDescriptor]) -> Runtime {
    let r = Registry::global();
    r.subset(roots.iter().copied()).boot().unwrap()
}

#[test]
fn injects_dependencies_as_shared_instances() {
    let _serial = SERIAL.lock().unwrap();
    take_log();
    let rt = boot(&[Cache::DESCRIPTOR]);
    let cache = rt.get::<Cache>().unwrap();
    let store = rt.get::<Store>().unwrap();
    assert!(
        std::ptr::eq(&*cache.store, store),
        "the dependency is the runtime's instance"
    );
    assert!(
        cache.metrics.is_none(),
        "optional and absent from the subset"
    );
    assert!(rt.get::<Metrics>().is_none());
    assert_eq!(
        take_log(),
        ["create store", "init store", "create cache", "init cache"]
    );
    let err = rt.shutdown().unwrap_err();
    assert_eq!(err.failures.len(), 1);
    assert_eq!(err.failures[0].0, "cache");
    assert!(err.to_string().contains("\"cache\": flush failed"), "{err}");
    // Continued past the failure, reverse order, dependents dropped before dependencies.
    assert_eq!(
        take_log(),
        ["cleanup cache", "drop cache", "cleanup store", "drop store"]
    );
}

#[test]
fn optional_dependency_present_boots_first_and_is_injected() {
    let _serial = SERIAL.lock().unwrap();
    let rt = boot(&[Cache::DESCRIPTOR, Metrics::DESCRIPTOR]);
    let order: Vec<_> = rt.modules().map(|d| d.name()).collect();
    assert_eq!(order, ["metrics", "store", "cache"]);
    let cache = rt.get::<Cache>().unwrap();
    assert!(std::ptr::eq(
        &**cache.metrics.as_ref().unwrap(),
        rt.get::<Metrics>().unwrap()
    ));
    drop(rt);
    take_log();
}

#[test]
fn trait_objects_in_boot_order_and_processors_by_name() {
    let _serial = SERIAL.lock().unwrap();
    let rt = boot(&[Cache::DESCRIPTOR]);
    let labels: Vec<_> = rt.all::<dyn Named>().map(|n| n.label()).collect();
    let id = rt.get::<Store>().unwrap().id;
    assert_eq!(
        labels,
        [format!("store#{id}"), format!("cache over store#{id}")]
    );
    assert_eq!(rt.all::<dyn Processor>().count(), 1);
    assert_eq!(
        rt.processor("cache").unwrap().process(b"abc").unwrap(),
        b"cba"
    );
    assert!(
        rt.processor("store").is_none(),
        "store does not provide dyn Processor"
    );
    assert!(rt.processor("nope").is_none());
    drop(rt);
    take_log();
}

#[test]
fn drop_shuts_down_exactly_once() {
    let _serial = SERIAL.lock().unwrap();
    take_log();
    let rt = boot(&[Store::DESCRIPTOR]);
    drop(rt);
    assert_eq!(
        take_log(),
        ["create store", "init store", "cleanup store", "drop store"]
    );
    let rt = boot(&[Store::DESCRIPTOR]);
    rt.shutdown().unwrap();
    assert_eq!(
        take_log(),
        ["create store", "init store", "cleanup store", "drop store"]
    );
}

#[test]
fn metrics_and_audit_trail() {
    let _serial = SERIAL.lock().unwrap();
    let rt = boot(&[Cache::DESCRIPTOR]);
    let m = rt.metrics();
    assert_eq!(
        m.iter().map(|m| m.name).collect::<Vec<_>>(),
        ["store", "cache"]
    );
    assert!(m.iter().all(|m| m.errors == 0));
    let events: Vec<_> = rt
        .audit_trail()
        .into_iter()
        .map(|r| (r.module, r.event))
        .collect();
    assert_eq!(
        events,
        [
            ("store", AuditEvent::Created),
            ("store", AuditEvent::Initialized),
            ("cache", AuditEvent::Created),
            ("cache", AuditEvent::Initialized),
        ]
    );
    drop(rt);
    take_log();
}

#[test]
fn many_threads_read_without_locks() {
    let _serial = SERIAL.lock().unwrap();
    let rt = boot(&[Cache::DESCRIPTOR]);
    let expected = rt.get::<Store>().unwrap() as *const Store as usize;
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..10_000 {
                    let store = rt.get::<Store>().unwrap();
                    assert_eq!(store as *const Store as usize, expected);
                    assert!(rt.get::<Cache>().is_some());
                }
            });
        }
    });
    drop(rt);
    take_log();
}
