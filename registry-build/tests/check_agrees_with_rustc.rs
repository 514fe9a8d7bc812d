//! The build check is never wrong where rustc is right: on programs rustc accepts it finds only
//! what `validate()` would find, and what rustc reports (a path it cannot resolve) it leaves to
//! rustc. Each case writes a small package and runs `Checker::check()` on it.

use std::path::{Path, PathBuf};

use module_registry_build::{Checker, Report};

/// Writes `files` (path, text) as a package named `name` that depends on `module-registry`,
/// plus `extra` lines in its `[dependencies]`, and returns its directory.
fn package(name: &str, files: &[(&str, &str)], extra: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("agrees")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let registry = Path::new(env!("CARGO_MANIFEST_DIR")).join("../registry");
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"1.0.0\"\nedition = \"2021\"\n\n\
         [dependencies]\nmodule-registry = {{ path = {:?} }}\n{extra}\n[workspace]\n",
        registry.display().to_string()
    );
    write(&dir.join("Cargo.toml"), &manifest);
    for (path, text) in files {
        write(&dir.join(path), text);
    }
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn check(dir: &Path) -> Report {
    Checker::new().manifest_dir(dir).check().unwrap()
}

fn codes(report: &Report) -> Vec<&'static str> {
    report.errors().iter().map(|e| e.code()).collect()
}

#[test]
fn a_type_alias_in_depends_on_names_its_module() {
    let lib = "use module_registry::Module;\n\
               #[derive(Module, Default)] #[module(version = \"1.0.0\")] pub struct Storage;\n\
               pub type Store = Storage;\n\
               #[derive(Module, Default)] #[module(depends_on = [Store = \"^2\"])] pub struct Cache;\n";
    let report = check(&package("alias", &[("src/lib.rs", lib)], ""));
    // The alias is followed: the requirement is checked against `Storage`.
    assert_eq!(codes(&report), ["MR0003"], "{}", report.render());
    let cache = report.modules().iter().find(|m| m.name == "cache").unwrap();
    assert_eq!(cache.dependencies[0].module.as_deref(), Some("storage"));
}

#[test]
fn a_module_declared_through_a_macro_argument_is_unknown_not_missing() {
    let lib = "use module_registry::Module;\n\
               macro_rules! declare { ($($t:tt)*) => { $($t)* } }\n\
               declare! { #[derive(Module, Default)] #[module(capabilities = [\"kv\"])] pub struct Storage; }\n\
               #[derive(Module, Default)] #[module(depends_on = [Storage], requires = [\"kv\"])] pub struct Cache;\n";
    let report = check(&package("macro-arg", &[("src/lib.rs", lib)], ""));
    assert!(report.is_ok(), "{}", report.render());
}

#[test]
fn an_unevaluable_cfg_attr_leaves_the_module_unknown() {
    let lib = "use module_registry::Module;\n\
               #[derive(Module, Default)] #[cfg_attr(unix, module(version = \"2.0.0\"))] pub struct Storage;\n\
               #[derive(Module, Default)] #[module(depends_on = [Storage = \"^2\"])] pub struct Cache;\n";
    let report = check(&package("cfg-attr", &[("src/lib.rs", lib)], ""));
    assert!(report.is_ok(), "{}", report.render());
}

#[test]
fn a_path_attribute_in_a_non_mod_rs_file_is_relative_to_its_directory() {
    let files = [
        (
            "src/lib.rs",
            "use module_registry::Module;\nmod a;\n#[derive(Module, Default)] pub struct Storage;\n",
        ),
        ("src/a.rs", "#[path = \"x.rs\"]\nmod x;\n"),
        (
            "src/x.rs",
            "use module_registry::Module;\n#[derive(Module, Default)] #[module(name = \"storage\")] pub struct Other;\n",
        ),
    ];
    let report = check(&package("path-attr", &files, ""));
    assert_eq!(codes(&report), ["MR0004"], "{}", report.render());
    assert!(report.warnings().is_empty(), "{:?}", report.warnings());
}

#[test]
fn a_path_through_an_unknown_crate_is_left_to_rustc() {
    let lib = "use module_registry::Module;\n\
               #[derive(Module, Default)] #[module(depends_on = [Invoice])] pub struct Orders;\n\
               #[derive(Module, Default)] #[module(depends_on = [shop::Orders])] pub struct Invoice;\n";
    let report = check(&package("unknown-crate", &[("src/lib.rs", lib)], ""));
    assert!(report.is_ok(), "{}", report.render());
}

#[test]
fn a_misspelt_dependency_is_left_to_rustc() {
    let lib = "use module_registry::Module;\n\
               #[derive(Module, Default)] pub struct Store;\n\
               #[derive(Module, Default)] #[module(depends_on = [Stor])] pub struct Cache;\n";
    let report = check(&package("typo", &[("src/lib.rs", lib)], ""));
    assert!(report.is_ok(), "{}", report.render());
}

/// 256 levels of each kind of nesting rustc accepts, each in its own item.
fn nested_items(depth: usize) -> Vec<String> {
    let else_ifs: String = (0..depth)
        .map(|i| format!("if x == {i} {{ {i} }} else "))
        .collect();
    vec![
        format!(
            "pub mod m {{ {}{} }}",
            "pub mod m { ".repeat(depth),
            "}".repeat(depth)
        ),
        format!(
            "pub fn blocks() {{ {}{} }}",
            "{ ".repeat(depth),
            "}".repeat(depth)
        ),
        format!(
            "pub fn parens() -> i32 {{ {}1{} }}",
            "(".repeat(depth),
            ")".repeat(depth)
        ),
        format!(
            "pub fn arrays() {{ let _ = {}1{}; }}",
            "[".repeat(depth),
            "]".repeat(depth)
        ),
        format!("pub fn closures() {{ let _ = {}1; }}", "|| ".repeat(depth)),
        format!("pub fn unary() -> i32 {{ {}1 }}", "-".repeat(depth)),
        format!("pub fn refs() {{ let _ = {}1; }}", "& ".repeat(depth)),
        format!("pub fn else_ifs(x: i32) -> i32 {{ {else_ifs}{{ 0 }} }}"),
        format!(
            "pub type Options = {}(){};",
            "Option<".repeat(depth),
            ">".repeat(depth)
        ),
        format!(
            "pub type Tuples = {}(){};",
            "(".repeat(depth),
            ",)".repeat(depth)
        ),
        format!(
            "macro_rules! eat {{ ($($t:tt)*) => {{}} }}\neat!({}{});",
            "[".repeat(depth),
            "]".repeat(depth)
        ),
    ]
}

/// Read as cargo builds build-script dependencies: unoptimized, as this test is.
#[test]
fn deep_nesting_of_every_kind_is_read_without_a_crash() {
    let mut lib = String::from(
        "use module_registry::Module;\n#[derive(Module, Default)] pub struct Storage;\n",
    );
    for item in nested_items(256) {
        lib.push_str(&item);
        lib.push('\n');
    }
    let report = check(&package("nesting", &[("src/lib.rs", &lib)], ""));
    assert!(report.is_ok(), "{}", report.render());
    assert_eq!(report.modules().len(), 1);
}

#[test]
fn an_application_that_never_links_its_module_crates_is_told_how() {
    let plugin = package(
        "plugin",
        &[(
            "src/lib.rs",
            "use module_registry::Module;\n#[derive(Module, Default)] pub struct Storage;\n",
        )],
        "",
    );
    let dep = format!("plugin = {{ path = {:?} }}", plugin.display().to_string());
    let app = package("app-unlinked", &[("src/main.rs", "fn main() {}\n")], &dep);
    let report = check(&app);
    let warning = report
        .warnings()
        .iter()
        .find(|w| w.contains("link_modules!"));
    assert!(
        warning.is_some_and(|w| w.contains("`plugin`")),
        "{:?}",
        report.warnings()
    );

    let linked = "module_registry::link_modules!();\nfn main() {}\n";
    let app = package("app-linked", &[("src/main.rs", linked)], &dep);
    let report = check(&app);
    assert!(!report
        .warnings()
        .iter()
        .any(|w| w.contains("link_modules!")));
}
