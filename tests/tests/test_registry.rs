//! The static registry over modules from this file and from two plugin crates.

use module_registry::{modules, Module, Registry};
use plugin_alpha::AlphaStore;
use plugin_beta::BetaService;

#[derive(Module, Default)]
#[module(depends_on = [BetaService], capabilities = ["entry"])]
struct Host;

#[derive(Module, Default)]
#[module(capabilities = ["storage"])]
struct LocalStore;

#[derive(Module, Default)]
struct Telemetry;

#[derive(Module, Default)]
#[module(depends_on = [LocalStore], optional = [Telemetry])]
struct Reporter;

#[derive(Module, Default)]
#[module(depends_on = [Reporter], optional = [Telemetry])]
struct Dashboard;

#[derive(Module, Default)]
#[module(depends_on = [Telemetry])]
struct Collector;

fn names<'a>(it: impl IntoIterator<Item = &'a module_registry::ModuleDescriptor>) -> Vec<&'a str> {
    it.into_iter().map(|d| d.name()).collect()
}

#[test]
fn global_sees_modules_of_every_crate() {
    let r = Registry::global();
    let mut all = names(r.modules());
    all.sort_unstable();
    assert_eq!(
        all,
        [
            "alpha-leaf",
            "alpha-store",
            "beta-service",
            "collector",
            "dashboard",
            "host",
            "local-store",
            "reporter",
            "telemetry"
        ]
    );
    assert_eq!(r.len(), 9);
    assert!(!r.is_empty());
    // Versions of plugin crates default to their own package versions.
    assert_eq!(r.get::<AlphaStore>().version().to_string(), "0.4.0");
    assert_eq!(r.get::<BetaService>().version().to_string(), "1.0.0");
    r.validate().unwrap();
}

#[test]
fn find_by_name() {
    let r = Registry::global();
    let d = r.find("beta-service").unwrap();
    assert!(std::ptr::eq(d, BetaService::DESCRIPTOR));
    assert_eq!(d.dependencies()[0].name(), "alpha-store");
    assert!(r.find("beta").is_none());
    assert!(r.find("").is_none());
    assert!(r.find("BETA-SERVICE").is_none());
    for d in r.modules() {
        assert!(std::ptr::eq(r.find(d.name()).unwrap(), d));
    }
}

#[test]
fn with_capability_returns_exactly_the_providers() {
    let r = Registry::global();
    let mut storage = names(r.with_capability("storage"));
    storage.sort_unstable();
    assert_eq!(storage, ["alpha-store", "local-store"]);
    assert_eq!(r.with_capability("storage").len(), 2);
    assert_eq!(names(r.with_capability("entry")), ["host"]);
    assert_eq!(r.with_capability("nothing").count(), 0);
}

#[test]
fn init_order_is_topological_with_name_ties() {
    let order = names(Registry::global().init_order().unwrap());
    assert_eq!(
        order,
        [
            "alpha-leaf",
            "alpha-store",
            "beta-service",
            "host",
            "local-store",
            "telemetry",
            "collector",
            "reporter",
            "dashboard"
        ]
    );
}

#[test]
fn subset_takes_roots_and_required_dependencies() {
    let r = Registry::global();
    let s = r.subset([r.get::<Dashboard>()]);
    // Telemetry is optional for both reporter and dashboard: not pulled in.
    assert_eq!(
        names(s.init_order().unwrap()),
        ["local-store", "reporter", "dashboard"]
    );
    assert!(s.contains::<Reporter>());
    assert!(!s.contains::<Telemetry>());
    assert!(s.find("telemetry").is_none());

    // Required by a member (collector), the optional dependency is in, and boots first.
    let s = r.subset([Dashboard::DESCRIPTOR, Collector::DESCRIPTOR]);
    assert_eq!(
        names(s.init_order().unwrap()),
        [
            "local-store",
            "telemetry",
            "collector",
            "reporter",
            "dashboard"
        ]
    );

    // As a root, too; a borrowed slice of roots works as well as an array.
    let roots = vec![Reporter::DESCRIPTOR, Telemetry::DESCRIPTOR];
    let s = r.subset(&roots);
    assert_eq!(
        names(s.init_order().unwrap()),
        ["local-store", "telemetry", "reporter"]
    );

    // Across crates.
    let s = r.subset([r.get::<Host>()]);
    assert_eq!(
        names(s.init_order().unwrap()),
        ["alpha-store", "beta-service", "host"]
    );
    s.validate().unwrap();
}

#[test]
fn explicit_list_keeps_its_order_and_checks() {
    let r = modules![Reporter, LocalStore];
    assert_eq!(names(r.modules()), ["reporter", "local-store"]);
    r.validate().unwrap();

    let missing = modules![Reporter];
    let errors = missing.validate().unwrap_err();
    assert_eq!(errors.len(), 1);
    let e = &errors.errors()[0];
    assert_eq!(e.code(), "MR0002");
    assert_eq!(
        e.to_string(),
        "module \"reporter\" depends on \"local-store\", which is not in the registry"
    );
    assert!(missing.init_order().is_err());
    assert!(missing.boot().is_err());
}

#[test]
fn registry_is_send_and_sync() {
    fn assert_traits<T: Send + Sync>() {}
    assert_traits::<Registry>();
    assert_traits::<module_registry::Runtime>();
    let r = Registry::global();
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| assert!(r.find("host").is_some()));
        }
    });
}
