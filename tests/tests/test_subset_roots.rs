//! `Registry::subset` and `init_order` over the example graph and the failing modules: roots
//! and their required dependencies, optional dependencies only as roots, ties broken by name.

pub mod fixtures {
    pub mod example;
    pub mod failing;
}

use fixtures::example::{Cache, Crypto, Metrics, Net, Sched, Storage};
use fixtures::failing::{serial, Faulty, OptUser, Root};
use module_registry::{modules, Module, Registry};
use module_registry_tests::events::take_log;
use module_registry_tests::inspect::descriptor_names as names;

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
fn a_present_optional_dependency_boots_first_though_its_dependent_sorts_first() {
    let order = Registry::global().init_order().unwrap();
    let pos = |n: &str| order.iter().position(|d| d.name() == n).unwrap();
    assert!(pos("faulty") < pos("a-opt-user"));
}

#[test]
fn a_subset_keeps_required_dependencies_transitively() {
    let r = Registry::global();
    let s = r.subset([r.get::<Root>()]);
    assert_eq!(names(s.init_order().unwrap()), ["faulty", "mid", "root"]);
    assert_eq!(s.len(), 3);
}

#[test]
fn an_optional_dependency_that_is_not_a_root_is_left_out_and_not_injected() {
    let _serial = serial();
    let r = Registry::global();
    let s = r.subset([r.get::<OptUser>()]);
    assert_eq!(names(s.modules()), ["a-opt-user"]);
    let rt = s.boot().unwrap();
    assert!(rt.get::<OptUser>().unwrap().faulty.is_none());
    assert!(rt.get::<Faulty>().is_none());
    drop(rt);
    assert!(!take_log().iter().any(|e| e.contains("faulty")));
}

#[test]
fn an_optional_dependency_that_is_a_root_boots_first_and_is_injected() {
    let _serial = serial();
    let r = Registry::global();
    // Booted first although its name sorts later.
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
fn a_subset_boots_when_a_linked_module_outside_it_provides_a_required_capability() {
    let _serial = serial();
    let r = Registry::global();
    // `requires` asks that some linked module provides the capability: `crypto` is linked,
    // though the subset holds only the roots and their transitive dependencies.
    let s = r.subset([r.get::<Cache>()]);
    s.validate().unwrap();
    let rt = s.boot().unwrap();
    assert!(rt.get::<Cache>().is_some());
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
