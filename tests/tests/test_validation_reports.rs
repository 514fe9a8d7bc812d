//! What a validation finding tells: a boot of an invalid registry lists every finding in its
//! message, and a missing dependency is explained hop by hop, each hop with its location. The
//! tests pick lists of this file's modules that leave `storage` or `faulty` out.

use module_registry::{modules, BootError, Module, ValidationError};

#[derive(Module, Default)]
struct Storage;

#[derive(Module, Default)]
#[module(depends_on = [Storage], requires = ["encryption"])]
struct Cache;

#[derive(Module, Default)]
struct Faulty;

#[derive(Module, Default)]
#[module(depends_on = [Faulty])]
struct Mid;

#[derive(Module, Default)]
#[module(depends_on = [Mid])]
struct Root;

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
fn a_missing_dependency_names_the_chain_with_a_location() {
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
        report.contains("mid needs faulty  (tests/tests/test_validation_reports.rs:"),
        "{report}"
    );
    assert!(report.contains("\n  help: "), "{report}");
}

/// After the headline, one line per hop of the chain that explains why the module is needed,
/// down to the failing edge.
#[test]
fn a_missing_dependency_explains_why_the_module_is_needed() {
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
