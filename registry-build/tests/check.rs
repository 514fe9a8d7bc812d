//! `Checker::check()` on the fixture crates under `tests/fixtures/`, compared with the golden
//! `<case>.stderr` next to each. Bless with `MODULE_REGISTRY_BLESS=1 cargo test -p module-registry-build`.

use std::path::{Path, PathBuf};

use module_registry_build::{Checker, Report, ValidationError};

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(case)
}

fn check(case: &str, manifest: &str) -> Report {
    Checker::new()
        .manifest_dir(fixture(case).join(manifest))
        .check()
        .unwrap_or_else(|e| panic!("{case}: {e}"))
}

/// Compares `report.render()` with `tests/fixtures/<case>/<case>.stderr`, where the fixture's
/// own absolute path is written `$DIR`.
fn golden(case: &str, report: &Report) {
    let path = fixture(case).join(format!("{case}.stderr"));
    let dir = fixture(case).display().to_string();
    let actual = report.render().replace(&dir, "$DIR");
    if std::env::var_os("MODULE_REGISTRY_BLESS").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{case}: rendered output differs from {}\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

#[test]
fn cycle() {
    let report = check("cycle", ".");
    golden("cycle", &report);
    let [ValidationError::Cycle { hops }] = report.errors() else {
        panic!("{:?}", report.errors());
    };
    let path: Vec<&str> = hops.iter().map(|h| h.from.as_str()).collect();
    assert_eq!(path, ["a", "b", "c"]);
    assert_eq!(
        report.errors()[0].to_string(),
        "dependency cycle: a -> b -> c -> a"
    );
}

#[test]
fn many_errors() {
    let report = check("many-errors", ".");
    golden("many-errors", &report);
    let mut codes: Vec<&str> = report.errors().iter().map(ValidationError::code).collect();
    codes.sort_unstable();
    // `depends_on = [Mailer]` with no `Mailer` anywhere is rustc's error to report, not a
    // missing module.
    assert_eq!(codes, ["MR0001", "MR0003", "MR0004", "MR0005"]);
}

#[test]
fn two_crates() {
    let report = check("two-crates", "app");
    golden("two-crates", &report);
    let packages: Vec<(&str, &str)> = report
        .modules()
        .iter()
        .map(|m| (m.package.as_str(), m.type_name.as_str()))
        .collect();
    assert_eq!(
        packages,
        [
            ("app", "app::Cache"),
            ("app", "app::AppMetrics"),
            ("plugin", "plugin::Storage"),
            ("plugin", "plugin::Metrics"),
        ]
    );
}

#[test]
fn registry_dependency() {
    let report = Checker::new()
        .manifest_dir(fixture("registry-dep"))
        .cargo_home(fixture("registry-dep/cargo-home"))
        .check()
        .unwrap();
    golden("registry-dep", &report);
    let storage = &report.modules()[1];
    assert_eq!(storage.type_name, "plugin_reg::Storage");
    assert!(
        Path::new(storage.site.file()).is_absolute(),
        "{}",
        storage.site
    );
}

#[test]
fn attribute() {
    let report = check("attribute", ".");
    golden("attribute", &report);
    assert_eq!(
        report.source_errors().len(),
        3,
        "{:?}",
        report.source_errors()
    );
}

#[test]
fn cfg() {
    let report = Checker::new()
        .manifest_dir(fixture("cfg"))
        .assume_module("Clock")
        .check()
        .unwrap();
    golden("cfg", &report);
    assert!(report.is_ok());
    let names: Vec<&str> = report.modules().iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["app"]);

    // Without `assume_module`, a module from a generated file is one the scan cannot see: not
    // a finding (rustc resolves the path, and `validate()` checks what is linked).
    let report = check("cfg", ".");
    assert!(report.is_ok(), "{:?}", report.errors());
}

#[test]
fn linked_passes() {
    let report = check("linked", "app");
    golden("linked", &report);
    assert!(report.is_ok());
    let order: Vec<&str> = report.boot_order().map(|m| m.name.as_str()).collect();
    assert_eq!(order, ["audit", "hidden", "storage", "cache"]);
}

#[test]
fn required_capability_points_at_the_call() {
    let report = Checker::new()
        .manifest_dir(fixture("linked/app"))
        .require_capability("storage")
        .require_capability("encryption")
        .check()
        .unwrap();
    let [ValidationError::MissingCapability {
        capability,
        module,
        site,
        ..
    }] = report.errors()
    else {
        panic!("{:?}", report.errors());
    };
    assert_eq!(
        (capability.as_str(), module.as_str()),
        ("encryption", "app")
    );
    assert!(site.file().ends_with("tests/check.rs"), "{site}");
    let rendered = report.render();
    assert!(
        rendered.contains("error[MR0005]: capability \"encryption\" required by \"app\" is not provided by any module"),
        "{rendered}"
    );
    assert!(
        rendered.contains(".require_capability(\"encryption\")"),
        "{rendered}"
    );
    assert!(
        rendered.contains("^^^^^^^^^^^^^^^^^^ requires `encryption`"),
        "{rendered}"
    );
}

#[test]
fn artifacts() {
    let out = std::env::temp_dir().join(format!(
        "module-registry-build-artifacts-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&out).unwrap();
    let checker = Checker::new()
        .manifest_dir(fixture("linked/app"))
        .out_dir(&out);
    let report = checker.check().unwrap();
    checker.write_artifacts(&report).unwrap();

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("module_graph.json")).unwrap())
            .unwrap();
    assert_eq!(
        json["boot_order"],
        serde_json::json!(["audit", "hidden", "storage", "cache"])
    );
    // Modules are sorted by name, as `Registry::to_json` sorts them.
    let names: Vec<_> = json["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["audit", "cache", "hidden", "storage"]);
    assert_eq!(json["modules"][1]["dependencies"][0]["module"], "storage");

    let dot = std::fs::read_to_string(out.join("module_graph.dot")).unwrap();
    assert!(
        dot.contains("\"cache\" -> \"storage\" [label=\"^1\"];"),
        "{dot}"
    );

    let link = std::fs::read_to_string(out.join("module_registry_link.rs")).unwrap();
    assert!(
        link.contains("extern crate leaf as _;\nextern crate storage as _;\n"),
        "{link}"
    );
    assert!(link.contains("expected(\"hidden\", \"leaf::hidden::Hidden\", ::module_registry::__private::location(\"leaf/src/hidden.rs\", 4, 10))"), "{link}");
    // `cache` is defined in the application's binary: linked with it, not expected of others.
    assert!(!link.contains("\"cache\""), "{link}");
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn environment_errors_say_what_to_do() {
    let e = Checker::new()
        .manifest_dir(fixture("does-not-exist"))
        .check()
        .unwrap_err();
    let text = e.to_string();
    assert!(text.starts_with("could not read `"), "{text}");
    assert!(
        text.ends_with("Cargo.toml`: check that it exists and is readable"),
        "{text}"
    );
}

/// A file that two crates of the package compile (here the library and the binary, both named
/// `shared_file`) defines its modules once, as the library reads them (so they are expected by
/// `link_modules!()`), and gives its errors once, whichever worker thread read it first.
#[test]
fn file_in_two_crates_counts_once() {
    let out = std::env::temp_dir().join(format!(
        "module-registry-build-shared-file-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&out).unwrap();
    for _ in 0..20 {
        let checker = Checker::new()
            .manifest_dir(fixture("shared-file"))
            .out_dir(&out);
        let report = checker.check().unwrap();
        let names: Vec<&str> = report.modules().iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["store", "broken"]);
        let [error] = report.source_errors() else {
            panic!("{:?}", report.source_errors());
        };
        assert!(error.message.starts_with("unknown module attribute `nmae`"));
        checker.write_artifacts(&report).unwrap();
        let link = std::fs::read_to_string(out.join("module_registry_link.rs")).unwrap();
        assert!(link.contains("expected(\"store\""), "{link}");
    }
    std::fs::remove_dir_all(&out).unwrap();
}

/// A dependency written through a rename is resolved, one the scan cannot follow is left to the
/// boot-time check, a self-dependency is reported once, and a name nothing could mean is left to
/// rustc. `src/bin` is watched, so that a new binary re-runs the check.
#[test]
fn aliases() {
    let report = check("aliases", ".");
    golden("aliases", &report);
    let codes: Vec<&str> = report.errors().iter().map(ValidationError::code).collect();
    assert_eq!(codes, ["MR0003"], "{}", report.render());
    let text: Vec<String> = report.errors().iter().map(|e| e.to_string()).collect();
    assert!(
        text[0].contains("\"reporter\" requires \"storage\" ^2"),
        "{text:?}"
    );
    let messages: Vec<&str> = report
        .source_errors()
        .iter()
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(
        messages,
        ["dependency cycle: looped -> looped: module `Looped` cannot depend on itself"]
    );
    let bin = fixture("aliases").join("src/bin");
    assert!(report.files().contains(&bin), "{:?}", report.files());
}
