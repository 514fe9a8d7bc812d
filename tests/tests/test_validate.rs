//! Whole-graph checks at run time: every problem at once, with codes, paths and locations.
//! The modules of this file form a broken graph on purpose.

use module_registry::{modules, Module, Registry, ValidationError};

#[derive(Module, Default)]
#[module(depends_on = [Beta])]
struct Alpha;

#[derive(Module, Default)]
#[module(depends_on = [Gamma])]
struct Beta;

#[derive(Module, Default)]
#[module(depends_on = [Alpha])]
struct Gamma;

#[derive(Module, Default)]
#[module(depends_on = [Zed])]
struct Yak;

#[derive(Module, Default)]
#[module(optional = [Yak])]
struct Zed;

#[derive(Module, Default)]
#[module(name = "twin")]
struct TwinOne;

#[derive(Module, Default)]
#[module(name = "twin")]
struct TwinTwo;

#[derive(Module, Default)]
#[module(requires = ["encryption"], capabilities = ["compression"])]
struct Needy;

#[derive(Module, Default)]
struct Fine;

#[test]
fn cycle_path_starts_at_smallest_name() {
    let errors = modules![Gamma, Beta, Alpha].validate().unwrap_err();
    assert_eq!(errors.len(), 1);
    let e = &errors.errors()[0];
    assert_eq!(e.code(), "MR0001");
    assert_eq!(
        e.to_string(),
        "dependency cycle: alpha -> beta -> gamma -> alpha"
    );
    let ValidationError::Cycle { hops } = e else {
        panic!("{e:?}")
    };
    assert_eq!(hops.len(), 3);
    assert_eq!(
        (hops[0].from.as_str(), hops[0].to.as_str()),
        ("alpha", "beta")
    );
    // One location per edge: where `depends_on = [Beta]` names Beta.
    let source = include_str!("test_validate.rs");
    for hop in hops {
        assert_eq!(hop.site.file(), "tests/tests/test_validate.rs");
        let line = source.lines().nth(hop.site.line() as usize - 1).unwrap();
        let written = &line[hop.site.column() as usize - 1..];
        let to = hop.to.as_str();
        let type_name = to[..1].to_uppercase() + &to[1..];
        assert!(written.starts_with(&type_name), "{written}");
    }
    let report = e.report();
    assert!(report.starts_with("error[MR0001]: dependency cycle: alpha -> beta -> gamma -> alpha\n  alpha needs beta  (tests/tests/test_validate.rs:"), "{report}");
    assert!(report.contains("\n  help: "), "{report}");
}

#[test]
fn optional_edges_close_cycles_too() {
    let errors = modules![Yak, Zed].validate().unwrap_err();
    assert_eq!(
        errors.errors()[0].to_string(),
        "dependency cycle: yak -> zed -> yak"
    );
    // Without Yak in the registry, Zed's optional edge is absent and fine.
    modules![Zed].validate().unwrap();
}

#[test]
fn duplicate_names_name_both_locations() {
    let errors = modules![TwinOne, TwinTwo].validate().unwrap_err();
    let e = &errors.errors()[0];
    assert_eq!(e.code(), "MR0004");
    let text = e.to_string();
    assert!(
        text.starts_with(
            "duplicate module name \"twin\": defined at tests/tests/test_validate.rs:"
        ),
        "{text}"
    );
    let one = TwinOne::DESCRIPTOR.location().to_string();
    let two = TwinTwo::DESCRIPTOR.location().to_string();
    assert!(text.contains(&one) && text.contains(&two), "{text}");
}

#[test]
fn required_capability_nobody_provides() {
    let errors = modules![Needy, Fine].validate().unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors.errors()[0].code(), "MR0005");
    assert_eq!(
        errors.errors()[0].to_string(),
        "capability \"encryption\" required by \"needy\" is not provided by any module"
    );
}

#[test]
fn every_problem_is_reported_at_once_in_a_stable_order() {
    let r = Registry::global();
    let errors = r.validate().unwrap_err();
    let codes: Vec<_> = errors.iter().map(ValidationError::code).collect();
    assert_eq!(codes, ["MR0004", "MR0005", "MR0001", "MR0001"]);
    let text = errors.to_string();
    assert!(text.starts_with("4 module graph errors:\n"), "{text}");
    assert_eq!(r.validate().unwrap_err(), errors, "deterministic");
    assert_eq!(r.init_order().unwrap_err(), errors);
    let boot = r.boot().unwrap_err();
    assert!(matches!(boot, module_registry::BootError::Invalid(ref e) if *e == errors));
    // A valid part of a broken registry still boots.
    r.subset([r.get::<Fine>()]).boot().unwrap();
}

#[test]
fn missing_dependency_in_a_subset_of_a_list() {
    let errors = modules![Beta].validate().unwrap_err();
    assert_eq!(errors.errors()[0].code(), "MR0002");
    assert!(errors.errors()[0].help().contains("\"gamma\""));
}
