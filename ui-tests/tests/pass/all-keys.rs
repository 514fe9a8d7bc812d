// Every `#[module(...)]` key at once, and the defaults of the ones a second module leaves out.
use std::sync::Arc;

use module_registry::{modules, Context, Lifecycle, Module, ModuleError, ModuleType};

pub trait CacheApi: Send + Sync {
    fn hits(&self) -> u64;
}

/// Keeps bytes.
///
/// Second paragraph.
#[derive(Module, Default)]
#[module(version = "1.2.0", kind = Storage, capabilities = ["storage", "persistence"])]
pub struct Storage;

#[derive(Module, Default)]
#[module(name = "metrics", version = "0.9.1-beta.2+build.5", kind = Monitoring)]
pub struct MetricsSink;

#[derive(Module, Default)]
#[module(capabilities = ["encryption"])]
pub struct Crypto;

#[derive(Module)]
#[module(
    name = "cache",
    version = "0.3.1",
    kind = Custom("scheduler"),
    capabilities = ["cache", "cache-v2"],
    requires = ["encryption"],
    depends_on = [Storage = "^1.2", Crypto],
    optional = [MetricsSink = ">=0.9.1-beta.1, <1"],
    provides = [dyn CacheApi],
    create = Cache::new,
    lifecycle,
    description = "Remembers things",
)]
pub struct Cache {
    storage: Arc<Storage>,
    metrics: Option<Arc<MetricsSink>>,
    initialized: bool,
}

impl Cache {
    fn new(ctx: &Context<'_, Self>) -> Result<Self, ModuleError> {
        let _crypto: Arc<Crypto> = ctx.dep::<Crypto>();
        Ok(Cache {
            storage: ctx.dep::<Storage>(),
            metrics: ctx.optional::<MetricsSink>(),
            initialized: false,
        })
    }
}

impl Lifecycle for Cache {
    fn initialize(&mut self) -> Result<(), ModuleError> {
        self.initialized = true;
        Ok(())
    }
}

impl CacheApi for Cache {
    fn hits(&self) -> u64 {
        u64::from(self.initialized)
    }
}

fn main() {
    let d = Cache::DESCRIPTOR;
    assert_eq!(d.name(), "cache");
    assert_eq!(d.version().to_string(), "0.3.1");
    assert_eq!(*d.kind(), ModuleType::custom("scheduler"));
    assert_eq!(d.capabilities(), ["cache", "cache-v2"]);
    assert_eq!(d.requires(), ["encryption"]);
    assert_eq!(d.description(), "Remembers things");
    assert!(d.type_name().ends_with("::Cache"), "{}", d.type_name());
    let deps: Vec<_> = d
        .dependencies()
        .iter()
        .map(|dep| (dep.name(), dep.version_req(), dep.is_optional()))
        .collect();
    assert_eq!(
        deps,
        [
            ("storage", Some("^1.2"), false),
            ("crypto", None, false),
            ("metrics", Some(">=0.9.1-beta.1, <1"), true),
        ]
    );
    assert_eq!(d.provides()[0].name(), "dyn CacheApi");

    let storage = Storage::DESCRIPTOR;
    assert_eq!(storage.name(), "storage");
    assert_eq!(*storage.kind(), ModuleType::Storage);
    assert_eq!(storage.description(), "Keeps bytes.\n\nSecond paragraph.");
    assert_eq!(
        MetricsSink::DESCRIPTOR.version().to_string(),
        "0.9.1-beta.2+build.5"
    );
    let crypto = Crypto::DESCRIPTOR;
    assert_eq!(*crypto.kind(), ModuleType::Service);
    assert_eq!(crypto.version().to_string(), env!("CARGO_PKG_VERSION"));
    assert_eq!(crypto.description(), "");

    let runtime = modules![Storage, MetricsSink, Crypto, Cache]
        .boot()
        .unwrap();
    let cache = runtime.get::<Cache>().unwrap();
    assert!(cache.initialized);
    assert!(cache.metrics.is_some());
    assert!(Arc::ptr_eq(&cache.storage, &cache.storage));
    assert_eq!(
        runtime
            .all::<dyn CacheApi>()
            .map(CacheApi::hits)
            .sum::<u64>(),
        1
    );
    runtime.shutdown().unwrap();
}
