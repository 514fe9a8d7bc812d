//! Every `#[module(...)]` key, and every default, read back through the descriptor.

use std::sync::Arc;

use module_registry::{Context, Lifecycle, Module, ModuleError, ModuleType, Registry};

pub trait Greeter: Send + Sync {
    fn greet(&self) -> String;
}

/// Persists things.
///
/// Second paragraph.
#[derive(Module, Default)]
#[module(name = "storage", version = "1.2.0", kind = Storage, capabilities = ["storage", "persistence"])]
pub struct Storage;

#[derive(Module, Default)]
pub struct Metrics;

#[derive(Module)]
#[module(
    version = "0.3.1-rc.1+sha.5",
    kind = Custom("cache-layer"),
    capabilities = ["cache"],
    depends_on = [Storage = "^1.2"],
    optional = [Metrics],
    requires = ["persistence"],
    provides = [dyn Greeter],
    create = Cache::new,
    lifecycle,
    description = "An in-memory cache"
)]
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

impl Lifecycle for Cache {}

impl Greeter for Cache {
    fn greet(&self) -> String {
        format!(
            "cache over {:p}, metrics: {}",
            Arc::as_ptr(&self.storage),
            self.metrics.is_some()
        )
    }
}

#[derive(Module, Default)]
struct HTTPServerV2;

#[derive(Module, Default)]
struct Tuple(#[allow(dead_code)] u32, #[allow(dead_code)] String);

#[derive(Module, Default)]
struct Named {
    #[allow(dead_code)]
    field: Vec<u8>,
}

#[test]
fn explicit_keys() {
    let d = Registry::global().get::<Cache>().descriptor();
    assert_eq!(d.name(), "cache");
    assert_eq!(d.version().to_string(), "0.3.1-rc.1+sha.5");
    assert_eq!(
        (
            d.version().major(),
            d.version().minor(),
            d.version().patch()
        ),
        (0, 3, 1)
    );
    assert_eq!(d.version().pre(), "rc.1");
    assert_eq!(d.version().build(), "sha.5");
    assert_eq!(d.kind(), &ModuleType::custom("cache-layer"));
    assert_eq!(d.kind().to_string(), "cache-layer");
    assert_eq!(d.capabilities(), ["cache"]);
    assert_eq!(d.requires(), ["persistence"]);
    assert_eq!(d.description(), "An in-memory cache");
    assert_eq!(d.type_name(), "test_derive::Cache");
    let provides: Vec<_> = d.provides().iter().map(|p| p.name()).collect();
    assert_eq!(provides, ["dyn Greeter"]);

    let deps = d.dependencies();
    assert_eq!(deps.len(), 2);
    assert_eq!(deps[0].name(), "storage");
    assert_eq!(
        deps[0].version_req().map(|r| r.to_string()).as_deref(),
        Some("^1.2")
    );
    assert!(!deps[0].is_optional());
    assert!(std::ptr::eq(deps[0].descriptor(), Storage::DESCRIPTOR));
    assert_eq!(deps[1].name(), "metrics");
    assert_eq!(deps[1].version_req(), None);
    assert!(deps[1].is_optional());
}

#[test]
fn defaults() {
    let d = Registry::global().get::<Storage>().descriptor();
    assert_eq!(d.kind(), &ModuleType::Storage);
    assert_eq!(d.description(), "Persists things.\n\nSecond paragraph.");

    let m = Registry::global().get::<Metrics>();
    assert_eq!(m.name(), "metrics");
    // The version defaults to the defining crate's CARGO_PKG_VERSION.
    assert_eq!(m.version().to_string(), env!("CARGO_PKG_VERSION"));
    assert_eq!(m.descriptor().kind(), &ModuleType::Service);
    assert!(m.descriptor().capabilities().is_empty());
    assert!(m.descriptor().dependencies().is_empty());
    assert_eq!(m.descriptor().description(), "");

    assert_eq!(
        Registry::global().get::<HTTPServerV2>().name(),
        "http-server-v2"
    );
    assert_eq!(Registry::global().get::<Tuple>().name(), "tuple");
    assert_eq!(Registry::global().get::<Named>().name(), "named");
}

#[test]
fn location_points_at_the_derive() {
    let l = Registry::global().get::<Metrics>().descriptor().location();
    assert_eq!(l.file(), "tests/tests/test_derive.rs");
    let source = include_str!("test_derive.rs");
    let line = source.lines().nth(l.line() as usize - 1).unwrap();
    assert!(line.starts_with("#[derive(Module, Default)]"), "{line}");
    assert_eq!(&line[l.column() as usize - 1..][..6], "Module");

    // A dependency's location is the type as written in `depends_on`.
    let dep = &Registry::global()
        .get::<Cache>()
        .descriptor()
        .dependencies()[0];
    let line = source
        .lines()
        .nth(dep.location().line() as usize - 1)
        .unwrap();
    assert_eq!(
        &line[dep.location().column() as usize - 1..][..7],
        "Storage"
    );
}

#[test]
fn handles_are_copy_zero_sized_and_send_sync() {
    fn assert_traits<T: Copy + Send + Sync + 'static>(_: T) {}
    let h = Registry::global().get::<Cache>();
    assert_traits(h);
    assert_eq!(std::mem::size_of_val(&h), 0);
    let h2 = h;
    assert_eq!(h.name(), h2.name());
    assert_eq!(format!("{h:?}"), "Handle<cache>");
}

#[test]
fn descriptor_is_small() {
    // At most 256 bytes per descriptor, strings excluded.
    assert!(std::mem::size_of::<module_registry::ModuleDescriptor>() <= 256);
}
