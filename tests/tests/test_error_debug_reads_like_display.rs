//! `unwrap()` and `?` in `main` print an error's `Debug`: every public error's `Debug` reads
//! like its `Display`, the report a person acts on, never a struct dump.

use module_registry::{modules, BootError, Module, ModuleError};

#[derive(Module, Default)]
struct Storage;

#[derive(Module, Default)]
#[module(depends_on = [Storage])]
struct Cache;

fn assert_reads_like_display(debug: &str, display: &str) {
    assert!(debug.starts_with(display), "{debug:?} vs {display:?}");
    for dump in ["{ ", "Hop", "MissingDependency", "Failed {", "[\""] {
        assert!(!debug.contains(dump), "struct dump in {debug:?}");
    }
}

#[test]
fn validation_errors_debug_is_the_rustc_style_report() {
    let errors = modules![Cache].validate().unwrap_err();
    let debug = format!("{errors:?}");
    assert_reads_like_display(&debug, &errors.to_string());
    assert!(debug.contains("error[MR0002]"), "{debug}");
    let first = &errors.errors()[0];
    assert_eq!(format!("{first:?}"), first.report());
}

#[test]
fn boot_error_debug_is_its_message() {
    let error: BootError = modules![Cache].boot().unwrap_err();
    assert_reads_like_display(&format!("{error:?}"), &error.to_string());
}

#[test]
fn module_error_debug_names_its_cause_once() {
    let io = std::io::Error::other("disk full");
    let error = ModuleError::with_source("cannot open the store", io);
    assert_eq!(
        format!("{error:?}"),
        "cannot open the store\n\nCaused by:\n    disk full"
    );
    let plain = ModuleError::new("no");
    assert_eq!(format!("{plain:?}"), "no");
}

#[test]
fn registry_error_debug_is_its_message() {
    let registry = module_registry::ModuleRegistry::new();
    let error = registry.create("absent").err().unwrap();
    assert_reads_like_display(&format!("{error:?}"), &error.to_string());
}
