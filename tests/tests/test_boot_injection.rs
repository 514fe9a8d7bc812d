//! Booting the example graph: dependencies injected as shared instances, trait objects and
//! processors found in boot order, and a runtime that moves between threads.

pub mod fixtures {
    pub mod example;
}

use fixtures::example::{Cache, CacheApi, Crypto, Metrics, Storage};
use module_registry::{Module, Registry};
use module_registry_tests::events::{serial, take_log};

#[test]
fn a_global_boot_injects_dependencies_as_shared_instances() {
    let _serial = serial();
    let runtime = Registry::global().boot().unwrap();
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
    runtime.shutdown().unwrap();
}

#[test]
fn trait_objects_come_in_boot_order_and_processors_by_name() {
    let _serial = serial();
    let runtime = Registry::global().boot().unwrap();
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
fn a_runtime_can_move_to_and_be_shared_across_threads() {
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
